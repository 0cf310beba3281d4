import { execa } from 'execa';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** tools/v2vm/run of this checkout. */
export const V2VM_RUN = resolve(here, '../../../tools/v2vm/run');

/** The case script the VM runs. */
export const CASES_SCRIPT = resolve(here, 'cases.sh');

/** How one VM boot went. */
export interface VmRun {
  exitCode: number;
  /** cases.sh's progress lines (one per case, with its exit code and seconds). */
  stdout: string;
  /** v2vm's own errors, and anything the guest printed on stderr. */
  stderr: string;
  durationMs: number;
}

/**
 * Boots the pure cgroup v2 VM once and runs every case in it, writing the results into
 * `results` (shared read-write with the VM, at the same path). `iza` must be a path the VM sees:
 * anywhere in the host tree but /tmp and /run, which are empty tmpfs inside.
 */
export async function runCasesInVm(results: string, iza: string, timeoutS: number): Promise<VmRun> {
  const started = Date.now();
  const vm = await execa(
    V2VM_RUN,
    [
      '--timeout',
      String(timeoutS),
      '--share',
      results,
      '--',
      '/bin/sh',
      CASES_SCRIPT,
      results,
      iza,
    ],
    // v2vm kills qemu itself at --timeout; this outer limit only catches v2vm hanging.
    { reject: false, stdin: 'ignore', timeout: (timeoutS + 120) * 1000, killSignal: 'SIGTERM' },
  );
  return {
    exitCode: vm.exitCode ?? -1,
    stdout: vm.stdout,
    stderr: vm.stderr,
    durationMs: Date.now() - started,
  };
}
