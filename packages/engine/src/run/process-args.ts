import { IzaError } from '@iza/errors';

/** The parts of an image config (OCI `config` object) that decide what a container runs. */
export interface ImageProcessConfig {
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
}

/** What the user asked for on the command line. */
export interface ProcessArgsRequest {
  /** `--entrypoint`: undefined when not given; '' clears the image's entrypoint (docker). */
  entrypoint?: string | undefined;
  /** COMMAND [ARG...] after the image. */
  command: readonly string[];
}

/**
 * argv = entrypoint + cmd, with docker's rules: a user `--entrypoint` drops the image's Cmd (and
 * `--entrypoint ""` clears the entrypoint); otherwise the user's command replaces the image's
 * Cmd and the image's Entrypoint stays. Throws when nothing is left to run.
 */
export function buildProcessArgs(image: ImageProcessConfig, request: ProcessArgsRequest): string[] {
  let entrypoint: string[];
  let cmd: string[];

  if (request.entrypoint !== undefined) {
    entrypoint = request.entrypoint === '' ? [] : [request.entrypoint];
    cmd = [...request.command];
  } else {
    entrypoint = [...(image.Entrypoint ?? [])];
    cmd = request.command.length > 0 ? [...request.command] : [...(image.Cmd ?? [])];
  }

  const args = [...entrypoint, ...cmd];
  if (args.length === 0) {
    throw new IzaError('ERR_IZA_RUN_NO_COMMAND', 'no command specified', {
      hint: 'give a command after the image, e.g. iza run IMAGE /bin/sh',
    });
  }
  return args;
}
