import { execa } from 'execa';

/** Options of {@link tool}. */
export interface ToolOptions {
  cwd?: string;
  input?: string;
  env?: Record<string, string>;
  /** Milliseconds before the tool is killed; default 10 minutes. */
  timeout?: number;
  /** Keep stdout byte-exact (no final newline stripped): for digests of raw output. */
  raw?: boolean;
}

/**
 * Runs a reference tool (umoci, skopeo, openssl...) to build fixtures. Throws with the command
 * line and the tool's stderr when it fails, so a broken fixture says what broke.
 */
export async function tool(file: string, args: string[], opts: ToolOptions = {}): Promise<string> {
  const result = await execa(file, args, {
    reject: false,
    timeout: opts.timeout ?? 600_000,
    stripFinalNewline: opts.raw !== true,
    ...(opts.cwd === undefined ? {} : { cwd: opts.cwd }),
    ...(opts.input === undefined ? {} : { input: opts.input }),
    ...(opts.env === undefined ? {} : { env: opts.env }),
  });

  if (result.exitCode !== 0 || result.failed) {
    const line = [file, ...args].join(' ');
    const why = result.stderr.trim() || result.message;
    throw new Error(`fixture tool failed (exit ${String(result.exitCode)}): ${line}\n${why}`);
  }
  return result.stdout;
}
