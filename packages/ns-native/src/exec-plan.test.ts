import { describe, expect, it } from '@jest/globals';

import { buildExecPlan, type ExecProcessSpec, type SpawnHost } from './index.js';

const host: SpawnHost = {
  capLast: 40,
  constants: {
    CLONE_NEWNS: 0x20000,
    CLONE_NEWPID: 0x20000000,
    CLONE_NEWNET: 0x40000000,
    CLONE_NEWUTS: 0x4000000,
    CLONE_NEWIPC: 0x8000000,
    CLONE_NEWCGROUP: 0x2000000,
    CLONE_NEWUSER: 0x10000000,
    CLONE_NEWTIME: 0x80,
  },
  hardLimit: () => 20000,
  pathKind: () => 'dir',
};

const ns = (type: ExecProcessSpec['namespaces'][number]['type'], file: string) => ({
  type,
  path: `/proc/42/ns/${file}`,
});

function spec(over: Partial<ExecProcessSpec> = {}): ExecProcessSpec {
  return {
    namespaces: [ns('user', 'user'), ns('mount', 'mnt'), ns('pid', 'pid'), ns('uts', 'uts')],
    args: ['sh', '-c', 'id'],
    env: ['PATH=/usr/bin:/bin'],
    cwd: '/srv',
    user: { uid: 1000, gid: 1000, additionalGids: [10] },
    ...over,
  };
}

describe('buildExecPlan', () => {
  it('joins the user namespace last and the pid namespace around clone', () => {
    const { plan, labels } = buildExecPlan(spec(), host);
    expect(plan.joins).toEqual([
      { path: '/proc/42/ns/mnt', nstype: host.constants.CLONE_NEWNS },
      { path: '/proc/42/ns/uts', nstype: host.constants.CLONE_NEWUTS },
      { path: '/proc/42/ns/user', nstype: host.constants.CLONE_NEWUSER },
    ]);
    expect(plan.pidJoin).toBe('/proc/42/ns/pid');
    expect(labels.joins).toEqual(['/proc/42/ns/mnt', '/proc/42/ns/uts', '/proc/42/ns/user']);
  });

  it('sets up nothing of the container: no clone flags, mounts, hostname or maps', () => {
    const { plan } = buildExecPlan(spec(), host);
    expect(plan).toMatchObject({
      joinOnly: true,
      cloneFlags: 0,
      unshareFlags: 0,
      unshareCgroup: false,
      mounts: [],
      devices: [],
      masked: [],
      readonly: [],
      hostname: null,
      loopback: false,
      uidMap: '',
      hooks: null,
      // A detached exec outlives the runtime that started it.
      pdeathSignal: false,
    });
  });

  it('carries the identity, cwd, PATH and default capabilities', () => {
    const { plan } = buildExecPlan(spec(), host);
    expect(plan).toMatchObject({ uid: 1000, gid: 1000, groups: [10], cwd: '/srv' });
    expect(plan.pathEnv).toBe('/usr/bin:/bin');
    expect(plan.caps.bounding).toHaveLength(14);
  });

  it.each<[string, Partial<ExecProcessSpec>, string]>([
    ['no mount namespace', { namespaces: [ns('uts', 'uts')] }, 'mount namespace'],
    ['a namespace twice', { namespaces: [ns('mount', 'mnt'), ns('mount', 'mnt')] }, 'twice'],
    ['a relative path', { namespaces: [{ type: 'mount', path: 'ns/mnt' }] }, 'absolute'],
    ['an empty command', { args: [] }, 'must name a program'],
    ['a relative cwd', { cwd: 'srv' }, 'cwd must be absolute'],
    ['a negative uid', { user: { uid: -1, gid: 0 } }, 'bad uid or gid'],
    ['an unknown capability', { capabilities: caps('CAP_NOPE') }, 'unknown capability'],
    ['an rlimit above the hard limit', { rlimits: [nofile(30000)] }, 'above'],
  ])('refuses %s', (_what, over, message) => {
    expect(() => buildExecPlan(spec(over), host)).toThrow(
      expect.objectContaining({ message: expect.stringContaining(message) }),
    );
  });
});

function caps(name: string) {
  return { bounding: [name], effective: [], permitted: [] };
}

function nofile(hard: number) {
  return { type: 'RLIMIT_NOFILE', soft: 1024, hard };
}
