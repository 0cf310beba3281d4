import { IzaError } from '@iza/errors';
import { CgroupErrorCode } from '../errors.js';
import type { LinuxResources } from '../resources.js';
import { parseCpus, parseCpuset, parseMemorySize } from './parse-limits.js';

/** docker run's resource flags, as the user typed them (strings) or already as numbers. */
export interface DockerResourceFlags {
  /** `--memory`/`-m`. */
  memory?: string | number;
  /** `--memory-swap`: memory + swap, or -1 for unlimited swap. */
  memorySwap?: string | number;
  /** `--memory-reservation`. */
  memoryReservation?: string | number;
  /** `--cpus`. */
  cpus?: string | number;
  /** `--cpu-shares`/`-c`. */
  cpuShares?: number;
  /** `--cpuset-cpus`. */
  cpusetCpus?: string;
  /** `--pids-limit`: > 0, or -1 for unlimited. */
  pidsLimit?: number;
}

/** The smallest `--memory` and `--memory-reservation` docker accepts (daemon_unix.go). */
export const MIN_MEMORY = 6 * 1024 * 1024;

function invalid(message: string): IzaError {
  return new IzaError(CgroupErrorCode.InvalidLimit, message);
}

function bytes(value: string | number): number {
  if (typeof value === 'number') return value;
  return value.trim() === '-1' ? -1 : parseMemorySize(value);
}

function memoryLimits(flags: DockerResourceFlags): LinuxResources['memory'] {
  const memory = flags.memory === undefined ? undefined : bytes(flags.memory);
  const swap = flags.memorySwap === undefined ? undefined : bytes(flags.memorySwap);
  const reservation =
    flags.memoryReservation === undefined ? undefined : bytes(flags.memoryReservation);

  if (memory !== undefined && memory > 0 && memory < MIN_MEMORY) {
    throw invalid('Minimum memory limit allowed is 6MB');
  }
  if (reservation !== undefined && reservation > 0 && reservation < MIN_MEMORY) {
    throw invalid('Minimum memory reservation allowed is 6MB');
  }
  if (swap !== undefined && swap !== -1 && (memory === undefined || memory <= 0)) {
    throw invalid('You should always set the Memory limit when using Memoryswap limit');
  }
  if (swap !== undefined && swap !== -1 && swap < 0) {
    throw invalid(`invalid memory-swap value ${flags.memorySwap}: use -1 for unlimited swap`);
  }
  if (swap !== undefined && swap > 0 && memory !== undefined && swap < memory) {
    throw invalid('Minimum memoryswap limit should be larger than memory limit, see usage');
  }
  if (memory !== undefined && reservation !== undefined && memory > 0 && reservation > memory) {
    throw invalid('Minimum memory limit can not be less than memory reservation limit, see usage');
  }

  const out: NonNullable<LinuxResources['memory']> = {};
  if (memory !== undefined && memory > 0) {
    out.limit = memory;
    // docker: --memory alone means as much swap as memory, i.e. memory+swap = 2×memory.
    out.swap = swap ?? memory * 2;
  } else if (swap === -1) {
    out.swap = -1;
  }
  if (reservation !== undefined && reservation > 0) out.reservation = reservation;

  return Object.keys(out).length === 0 ? undefined : out;
}

function cpuLimits(flags: DockerResourceFlags, hostCpus: number): LinuxResources['cpu'] {
  const out: NonNullable<LinuxResources['cpu']> = {};

  if (flags.cpus !== undefined) Object.assign(out, parseCpus(String(flags.cpus), hostCpus));

  if (flags.cpuShares !== undefined && flags.cpuShares !== 0) {
    if (!Number.isInteger(flags.cpuShares) || flags.cpuShares < 0) {
      throw invalid(`invalid cpu-shares ${flags.cpuShares}: use a positive integer`);
    }
    // The kernel clamps to 2…262144 (cgroup-v1 sched); docker passes the value through.
    out.shares = Math.min(Math.max(flags.cpuShares, 2), 262144);
  }

  if (flags.cpusetCpus !== undefined) out.cpus = parseCpuset(flags.cpusetCpus, hostCpus);

  return Object.keys(out).length === 0 ? undefined : out;
}

/**
 * docker run's resource flags → OCI `linux.resources`, with docker's checks
 * (moby daemon_unix.go verifyPlatformContainerResources): minimum 6 MiB memory and
 * reservation, memory-swap ≥ memory or -1, memory-swap needs memory, memory alone gives
 * memory+swap = 2×memory, 0.01 ≤ cpus ≤ host CPUs (0: no limit), cpuset within the host's
 * CPUs, pids-limit > 0 or -1. Every violation is ERR_IZA_CGROUPS_INVALID_LIMIT with docker's
 * one-line message.
 */
// LIMITATION: no --cpu-period/--cpu-quota, --memory-swappiness, blkio/io or hugetlb flags.
export function buildResources(
  flags: DockerResourceFlags,
  host: { hostCpus: number },
): LinuxResources {
  const resources: LinuxResources = {};

  const memory = memoryLimits(flags);
  if (memory !== undefined) resources.memory = memory;

  const cpu = cpuLimits(flags, host.hostCpus);
  if (cpu !== undefined) resources.cpu = cpu;

  if (flags.pidsLimit !== undefined) {
    const limit = flags.pidsLimit;
    if (!Number.isInteger(limit) || (limit <= 0 && limit !== -1)) {
      throw invalid(`invalid pids-limit ${limit}: use a number above 0, or -1 for unlimited`);
    }
    resources.pids = { limit };
  }

  return resources;
}
