import { parseMemorySize } from '@iza/cgroups';
import type { DockerResourceFlags } from '@iza/cgroups';
import { IzaError } from '@iza/errors';

import type { LimitOptions } from './run-request.js';
import { withDefined } from '../pull.js';

/** True when any limit flag was given. */
export function hasLimits(l: LimitOptions): boolean {
  return Object.values(l).some((v) => v !== undefined);
}

/**
 * The limit flags in the types @iza/cgroups takes, read as docker reads them: integer flags are
 * checked here, `--memory-swap 0` is no setting at all, and a `--pids-limit` of 0 or below is
 * no limit (docker and podman both take 0 as unlimited, as -1).
 */
export function dockerFlags(l: LimitOptions): DockerResourceFlags {
  sizeFlag('--memory', l.memory);
  sizeFlag('--memory-reservation', l.memoryReservation);
  const memorySwap = l.memorySwap === '0' ? undefined : l.memorySwap;
  if (memorySwap !== '-1') sizeFlag('--memory-swap', memorySwap);
  const pidsLimit = integerFlag('--pids-limit', l.pidsLimit);
  return withDefined({
    memory: l.memory,
    memorySwap,
    memoryReservation: l.memoryReservation,
    cpus: l.cpus,
    cpuShares: integerFlag('--cpu-shares', l.cpuShares),
    cpusetCpus: l.cpusetCpus,
    pidsLimit: pidsLimit !== undefined && pidsLimit <= 0 ? -1 : pidsLimit,
  });
}

/** docker's message for a size it cannot parse: the flag named, then why. */
function sizeFlag(flag: string, value: string | undefined): void {
  if (value === undefined) return;
  try {
    parseMemorySize(value);
  } catch (err) {
    throw new IzaError(
      'ERR_IZA_RUN_INVALID_OPTION',
      `invalid argument "${value}" for "${flag}" flag`,
      {
        cause: err,
        hint: `${flag} takes a size with a unit: b, k, m or g (e.g. 100m)`,
      },
    );
  }
}

function integerFlag(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value.trim())) {
    throw new IzaError(
      'ERR_IZA_RUN_INVALID_OPTION',
      `invalid argument "${value}" for "${flag}" flag: not an integer`,
      {
        hint: `${flag} takes a whole number`,
      },
    );
  }
  return Number(value);
}
