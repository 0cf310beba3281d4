import { describe, it, expect } from '@jest/globals';
import {
  buildResources,
  parseCpus,
  parseMemorySize,
  sharesToWeight,
  v2LimitWrites,
} from '../index.js';

const MiB = 1024 * 1024;

describe('parseMemorySize', () => {
  it.each([
    ['512', 512],
    ['100b', 100],
    ['1k', 1024],
    ['100m', 100 * MiB],
    ['100M', 100 * MiB],
    ['1.5g', 1.5 * 1024 * MiB],
    ['2GB', 2 * 1024 * MiB],
    ['64MiB', 64 * MiB],
    ['1 g', 1024 * MiB],
  ])('%s → %d bytes', (text, bytes) => {
    expect(parseMemorySize(text)).toBe(bytes);
  });

  it.each(['', 'abc', '-1m', '10x', '1.2.3m', 'm'])('rejects %j', (text) => {
    expect(() => parseMemorySize(text)).toThrow(
      expect.objectContaining({
        code: 'ERR_IZA_CGROUPS_INVALID_LIMIT',
        message: `invalid size: '${text}'`,
      }),
    );
  });
});

describe('parseCpus', () => {
  it.each([
    ['0.5', { quota: 50000, period: 100000 }],
    ['1.5', { quota: 150000, period: 100000 }],
    ['0.01', { quota: 1000, period: 100000 }],
    ['2', { quota: 200000, period: 100000 }],
    ['0', undefined],
    ['0.0', undefined],
  ])('%s → %j', (text, expected) => {
    expect(parseCpus(text, 2)).toEqual(expected);
  });

  it.each(['-1', '3', '0.001', '0.0099'])(
    'rejects %s on a 2-CPU host with docker’s range message',
    (text) => {
      expect(() => parseCpus(text, 2)).toThrow(
        'range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available',
      );
    },
  );
});

describe('buildResources', () => {
  const host = { hostCpus: 2 };

  it.each([
    [{ memory: '100m' }, { memory: { limit: 100 * MiB, swap: 200 * MiB } }],
    [{ memory: '100m', memorySwap: '150m' }, { memory: { limit: 100 * MiB, swap: 150 * MiB } }],
    [{ memory: '100m', memorySwap: -1 }, { memory: { limit: 100 * MiB, swap: -1 } }],
    [
      { memory: '100m', memoryReservation: '50m' },
      { memory: { limit: 100 * MiB, swap: 200 * MiB, reservation: 50 * MiB } },
    ],
    [{ cpus: '0.5', cpuShares: 512 }, { cpu: { quota: 50000, period: 100000, shares: 512 } }],
    [{ cpusetCpus: '0-1' }, { cpu: { cpus: '0-1' } }],
    // docker's and podman's default: no limit (moby checks the range only when NanoCPUs != 0).
    [{ cpus: '0' }, {}],
    [{ cpus: '0.0', cpuShares: 512 }, { cpu: { shares: 512 } }],
    [{ cpusetCpus: '0,1' }, { cpu: { cpus: '0,1' } }],
    [{ pidsLimit: 100 }, { pids: { limit: 100 } }],
    [{ pidsLimit: -1 }, { pids: { limit: -1 } }],
    [{}, {}],
  ])('%j → %j', (flags, expected) => {
    expect(buildResources(flags, host)).toEqual(expected);
  });

  it.each([
    [{ memory: '4m' }, 'Minimum memory limit allowed is 6MB'],
    [{ memory: '100m', memoryReservation: '1m' }, 'Minimum memory reservation allowed is 6MB'],
    [{ memorySwap: '200m' }, 'You should always set the Memory limit when using Memoryswap limit'],
    [
      { memory: '100m', memorySwap: '50m' },
      'Minimum memoryswap limit should be larger than memory limit, see usage',
    ],
    [
      { memory: '100m', memoryReservation: '200m' },
      'Minimum memory limit can not be less than memory reservation limit, see usage',
    ],
    [{ cpus: '3' }, 'range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available'],
    [{ cpusetCpus: '0-2' }, 'requested CPUs are not available - requested 0-2, available: 0-1'],
    [{ cpusetCpus: '1-0' }, 'invalid value 1-0 for cpuset cpus'],
    [{ cpusetCpus: 'a' }, 'invalid value a for cpuset cpus'],
    [{ pidsLimit: 0 }, 'invalid pids-limit 0: use a number above 0, or -1 for unlimited'],
    [{ pidsLimit: -5 }, 'invalid pids-limit -5: use a number above 0, or -1 for unlimited'],
  ])('%j fails: %s', (flags, message) => {
    expect(() => buildResources(flags, host)).toThrow(
      expect.objectContaining({ code: 'ERR_IZA_CGROUPS_INVALID_LIMIT', message }),
    );
  });
});

describe('sharesToWeight (runc ≥1.4 formula)', () => {
  it.each([
    [0, 0],
    [1, 1],
    [2, 1],
    [1024, 100],
    [262144, 10000],
    [300000, 10000],
  ])('%d shares → weight %d', (shares, weight) => {
    expect(sharesToWeight(shares)).toBe(weight);
  });

  it('is monotonic between the bounds', () => {
    let last = 0;
    for (let s = 2; s <= 262144; s *= 2) {
      const w = sharesToWeight(s);
      expect(w).toBeGreaterThanOrEqual(last);
      last = w;
    }
  });
});

describe('v2LimitWrites', () => {
  it.each([
    [{ memory: { limit: 100, swap: 100 } }, ['memory.max=100', 'memory.swap.max=0']],
    [{ memory: { limit: -1 } }, ['memory.max=max']],
    [{ memory: { limit: 100, swap: -1 } }, ['memory.max=100', 'memory.swap.max=max']],
    [{ cpu: { period: 50000 } }, ['cpu.max=max 50000']],
    [{ pids: { limit: 0 } }, ['pids.max=max']],
  ])('%j → %j', (resources, expected) => {
    const writes = v2LimitWrites(resources, ['memory', 'cpu', 'pids']);
    expect(writes.map((w) => `${w.file}=${w.value}`)).toEqual(expected);
  });

  it('rejects memory+swap below memory', () => {
    expect(() => v2LimitWrites({ memory: { limit: 100, swap: 50 } }, ['memory'])).toThrow(
      expect.objectContaining({ code: 'ERR_IZA_CGROUPS_INVALID_LIMIT' }),
    );
  });
});
