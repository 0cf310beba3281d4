import { IzaError } from '@iza/errors';
import { CgroupErrorCode } from '../errors.js';

function invalid(message: string, hint?: string): IzaError {
  return new IzaError(CgroupErrorCode.InvalidLimit, message, hint === undefined ? {} : { hint });
}

const UNITS: Record<string, number> = {
  b: 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
  p: 1024 ** 5,
};

/**
 * Parses a docker memory size (`512`, `100m`, `1.5g`, `2GB`, `64MiB`, case-insensitive) into
 * bytes with go-units RAMInBytes semantics: binary multiples, one optional space before the
 * unit, optional `i`/`b` after it, fractions rounded down to whole bytes.
 */
export function parseMemorySize(text: string): number {
  const m = /^(\d+(?:\.\d+)?) ?([kmgtp])?i?b?$/i.exec(text);
  if (!m)
    throw invalid(`invalid size: '${text}'`, "use a number and a unit: b, k, m or g ('100m')");

  const [, num = '', unit = 'b'] = m;
  const bytes = Math.floor(Number(num) * (UNITS[unit.toLowerCase()] ?? 1));
  if (!Number.isSafeInteger(bytes)) throw invalid(`invalid size: '${text}'`);

  return bytes;
}

/** The CFS period docker uses for `--cpus` (µs). */
export const CPU_PERIOD = 100000;

/**
 * `--cpus 0.5` → `{ quota: 50000, period: 100000 }` via NanoCPUs, as docker does
 * (daemon_unix.go): 0.01 ≤ n ≤ hostCpus, else "range of CPUs is from 0.01 to N.00"; undefined
 * for 0, which is no limit to docker (it checks the range only when NanoCPUs != 0) and podman.
 */
export function parseCpus(
  text: string,
  hostCpus: number,
): { quota: number; period: number } | undefined {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n))
    throw invalid(
      `invalid argument "${text}" for "--cpus": failed to parse ${text} as a rational number`,
    );

  if (n === 0) return undefined;
  // The kernel takes no CFS quota under 1 ms (sched-bwc.rst): 0.01 CPU of docker's 100 ms
  // period. docker leaves that to the cgroup write (EINVAL at start); its message says 0.01.
  const nano = Math.round(n * 1e9);
  if (nano < 1e7 || nano > hostCpus * 1e9) {
    const max = hostCpus.toFixed(2);
    throw invalid(
      `range of CPUs is from 0.01 to ${max}, as there are only ${hostCpus} CPUs available`,
    );
  }

  return { quota: Math.floor((nano * CPU_PERIOD) / 1e9), period: CPU_PERIOD };
}

/**
 * Checks a cpuset list (`0-2,4`) and that every CPU in it is below `hostCpus`; returns it
 * normalised (no spaces).
 */
export function parseCpuset(text: string, hostCpus: number): string {
  const list = text.replace(/\s+/g, '');
  if (!/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(list))
    throw invalid(`invalid value ${text} for cpuset cpus`);

  for (const range of list.split(',')) {
    const [lo = 0, hi = lo] = range.split('-').map(Number);
    if (hi < lo) throw invalid(`invalid value ${text} for cpuset cpus`);
    if (hi >= hostCpus) {
      throw invalid(
        `requested CPUs are not available - requested ${text}, available: 0-${hostCpus - 1}`,
      );
    }
  }

  return list;
}
