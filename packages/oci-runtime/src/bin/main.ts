import { writeSync } from 'node:fs';

import { formatErrorChain } from '@iza/errors';

import { parseArgv } from '../cli/argv.js';
import { helpText, runCommand, versionText } from '../cli/commands.js';
import { createRuntimeLog, type RuntimeLog } from '../cli/log.js';

// A command may fix its own failure status, as runc's exec does with 255; else 1.
function exitCodeOf(err: unknown): number {
  const code = (err as { details?: { exitCode?: unknown } }).details?.exitCode;
  return typeof code === 'number' ? code : 1;
}

function hintOf(err: unknown): string | undefined {
  for (let e: unknown = err, n = 0; e instanceof Error && n < 16; e = e.cause, n++) {
    const hint = (e as { hint?: unknown }).hint;
    if (typeof hint === 'string') return hint;
  }
  return undefined;
}

/** One iza-runtime invocation: parses `argv` (without node and the script) and runs it. */
export async function main(argv: string[]): Promise<number> {
  let log: RuntimeLog = createRuntimeLog({});
  try {
    const parsed = parseArgv(argv);
    const g = parsed.global;
    log = createRuntimeLog({
      ...(typeof g['log'] === 'string' ? { file: g['log'] } : {}),
      ...(typeof g['log-format'] === 'string' ? { format: g['log-format'] } : {}),
      debug: g['debug'] === true,
    });
    if (g['version'] === true) {
      writeSync(1, versionText());
      return 0;
    }
    if (g['help'] === true || parsed.command === undefined) {
      writeSync(parsed.command === undefined && g['help'] !== true ? 2 : 1, helpText());
      return g['help'] === true ? 0 : 1;
    }
    if (g['systemd-cgroup'] === true) {
      throw new Error('--systemd-cgroup is not supported: iza-runtime manages cgroupfs directly');
    }
    if (g['log-format'] !== undefined && g['log-format'] !== 'text' && g['log-format'] !== 'json') {
      throw new Error(`--log-format must be text or json, not ${String(g['log-format'])}`);
    }
    return await runCommand(parsed, log);
  } catch (err) {
    const hint = hintOf(err);
    log.error(formatErrorChain(err) + (hint === undefined ? '' : ` (hint: ${hint})`));
    return exitCodeOf(err);
  }
}
