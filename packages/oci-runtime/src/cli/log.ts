import { appendFileSync, writeSync } from 'node:fs';

/** Where the bin's messages go: runc's `--log` file in text or JSON lines, and stderr. */
export interface RuntimeLog {
  error(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
}

function textLine(level: string, msg: string, time: string): string {
  return `time="${time}" level=${level} msg=${JSON.stringify(msg)}\n`;
}

/**
 * A log that appends to `file` (`json`: `{"level","msg","time"}` per line, as runc and what
 * containerd and conmon parse) and writes errors and warnings to fd 2 with writeSync, never
 * through process.stderr (its stream could make a shared pipe non-blocking for the container).
 */
export function createRuntimeLog(options: {
  file?: string;
  format?: string;
  debug?: boolean;
}): RuntimeLog {
  const json = options.format === 'json';
  const write = (level: string, msg: string, toStderr: boolean) => {
    const time = new Date().toISOString();
    if (options.file !== undefined) {
      const line = json ? `${JSON.stringify({ level, msg, time })}\n` : textLine(level, msg, time);
      try {
        appendFileSync(options.file, line);
      } catch {
        // An unwritable log must not hide the message: stderr still gets it.
        toStderr = true;
      }
    }
    if (toStderr) {
      try {
        writeSync(2, `iza-runtime: ${level === 'error' ? '' : `${level}: `}${msg}\n`);
      } catch {
        // stderr closed: nothing else to tell.
      }
    }
  };
  return {
    error: (msg) => write('error', msg, true),
    warn: (msg) => write('warning', msg, true),
    debug: (msg) => {
      if (options.debug === true) write('debug', msg, options.file === undefined);
    },
  };
}
