import { constants } from 'node:os';

import { IzaError } from '@iza/errors';

import { OciErrorCode } from './errors.js';

/**
 * A signal as `kill` takes it: a number (`9`), a name (`KILL`, `SIGKILL`, any case), as runc's
 * parseSignal. Returns the signal number; ERR_IZA_OCI_INVALID_SIGNAL otherwise.
 */
export function parseSignal(text: string | number): number {
  const signals = constants.signals as Record<string, number>;
  if (typeof text === 'number' || /^\d+$/.test(text)) {
    const n = Number(text);
    if (Number.isInteger(n) && n > 0 && n < 65) return n;
  } else {
    const upper = text.toUpperCase();
    const n = signals[upper.startsWith('SIG') ? upper : `SIG${upper}`];
    if (n !== undefined) return n;
  }
  throw new IzaError(OciErrorCode.InvalidSignal, `unknown signal ${JSON.stringify(String(text))}`, {
    hint: 'give a name such as TERM or KILL, or a number 1-64',
  });
}
