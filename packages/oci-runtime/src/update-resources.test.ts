import { describe, expect, it } from '@jest/globals';

import { OciErrorCode, updateResources } from './index.js';
import type { OciResources } from './index.js';

describe('updateResources (the JSON of update --resources)', () => {
  it('maps memory, cpu and pids; 0 and absent leave a value alone (runc)', () => {
    expect(
      updateResources({
        memory: { limit: 104857600, swap: -1, reservation: 0, checkBeforeUpdate: true },
        cpu: { shares: 512, quota: 0, period: 100000, cpus: '0', mems: '' },
        pids: { limit: 64 },
      }),
    ).toEqual({
      resources: {
        memory: { limit: 104857600, swap: -1 },
        cpu: { shares: 512, period: 100000, cpus: '0' },
        pids: { limit: 64 },
      },
      checkBeforeUpdate: true,
    });
  });

  it('ignores what runc update ignores: devices, hugetlb limits, kernel memory', () => {
    const kubelet = {
      memory: { limit: 1 << 27, kernel: 1 << 20 },
      devices: [{ allow: false, access: 'rwm' }],
      hugepageLimits: [{ pageSize: '2MB', limit: 0 }],
    } as OciResources;
    expect(updateResources(kubelet).resources).toEqual({ memory: { limit: 1 << 27 } });
  });

  it.each<[string, unknown, string, string]>([
    ['blockIO', { blockIO: { weight: 10 } }, OciErrorCode.Unsupported, 'resources.blockIO'],
    ['unified', { unified: { 'memory.high': '1' } }, OciErrorCode.Unsupported, 'resources.unified'],
    ['cpu.idle', { cpu: { idle: 1 } }, OciErrorCode.Unsupported, 'resources.cpu.idle'],
    [
      'a fraction',
      { memory: { limit: 1.5 } },
      OciErrorCode.InvalidConfig,
      'resources.memory.limit',
    ],
    ['-2', { pids: { limit: -2 } }, OciErrorCode.InvalidConfig, 'resources.pids.limit'],
    ['a string', { cpu: { quota: '5' } }, OciErrorCode.InvalidConfig, 'resources.cpu.quota'],
    ['an array', [], OciErrorCode.InvalidConfig, 'resources'],
  ])('refuses %s, naming the field', (_what, input, code, field) => {
    expect(() => updateResources(input as OciResources)).toThrow(
      expect.objectContaining({ code, message: expect.stringContaining(field) }),
    );
  });
});
