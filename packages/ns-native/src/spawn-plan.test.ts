import { describe, expect, it } from '@jest/globals';

import {
  buildSpawnPlan,
  defaultMounts,
  MountFlags as F,
  parseMountOptions,
  type ContainerProcessSpec,
  type NamespaceSpec,
  type SpawnHost,
} from './index.js';

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
  pathKind: (p) => (p === '/host/file' ? 'file' : p.startsWith('/missing') ? 'missing' : 'dir'),
};

function spec(over: Partial<ContainerProcessSpec> = {}): ContainerProcessSpec {
  return {
    rootfs: '/rootfs',
    args: ['sh'],
    env: ['PATH=/usr/bin:/bin'],
    cwd: '/',
    user: { uid: 0, gid: 0 },
    namespaces: [{ type: 'mount' }, { type: 'uts' }, { type: 'network' }, { type: 'cgroup' }],
    mounts: defaultMounts(),
    ...over,
  };
}

describe('parseMountOptions', () => {
  it.each([
    [['nosuid', 'noexec', 'nodev'], F.MS_NOSUID | F.MS_NOEXEC | F.MS_NODEV, 0, null],
    [['ro', 'rw'], 0, 0, null],
    [
      ['rbind', 'ro', 'rprivate'],
      F.MS_BIND | F.MS_REC | F.MS_RDONLY,
      F.MS_PRIVATE | F.MS_REC,
      null,
    ],
    [['nosuid', 'mode=755', 'size=65536k'], F.MS_NOSUID, 0, 'mode=755,size=65536k'],
    [['defaults', 'slave'], 0, F.MS_SLAVE, null],
  ])('%j -> flags %d, propagation %d, data %j', (options, flags, propagation, data) => {
    expect(parseMountOptions(options)).toMatchObject({ flags, propagation, data });
  });
});

describe('buildSpawnPlan', () => {
  it('maps namespaces to clone flags, leaving the cgroup namespace to the child', () => {
    const { plan } = buildSpawnPlan(spec(), host);
    expect(plan.cloneFlags).toBe(0x20000 | 0x4000000 | 0x40000000);
    expect(plan.unshareCgroup).toBe(true);
    expect(plan.loopback).toBe(true);
    expect(plan.pathEnv).toBe('/usr/bin:/bin');
  });

  it('plans docker defaults: cgroup2 in the cgroup namespace, devices, /dev symlinks, masks', () => {
    const { plan } = buildSpawnPlan(spec(), host);
    const cgroup = plan.mounts.find((m) => m.target === 'sys/fs/cgroup');
    expect(cgroup).toMatchObject({ fstype: 'cgroup2', cgroupNs: true, flags: 0xf });
    expect(plan.devices.map((d) => d.path)).toEqual([
      'dev/null',
      'dev/zero',
      'dev/full',
      'dev/random',
      'dev/urandom',
      'dev/tty',
    ]);
    expect(plan.devices[0]).toMatchObject({
      mode: 0o20666,
      major: 1,
      minor: 3,
      hostPath: '/dev/null',
    });
    expect(plan.symlinks).toContainEqual({ target: 'pts/ptmx', path: 'dev/ptmx' });
    expect(plan.readonly).toContain('proc/sys');
    expect(plan.masked).toContain('proc/kcore');
    expect(plan.caps.bounding.reduce((m, c) => m + 2 ** c, 0)).toBe(0xa80425fb);
  });

  it('binds a host file onto a file and keeps bind flags for the remount', () => {
    const mounts = [
      { destination: '/etc/hosts', type: 'bind', source: '/host/file', options: ['ro'] },
    ];
    const { plan } = buildSpawnPlan(spec({ mounts }), host);
    expect(plan.mounts[0]).toMatchObject({
      kind: 2,
      target: 'etc/hosts',
      flags: F.MS_BIND | F.MS_RDONLY,
    });
    expect(plan.devices).toEqual([]);
  });

  it.each([
    ['a bind', { type: 'bind', options: ['rbind'] }],
    ['a mount with the bind option', { type: 'none', options: ['bind', 'ro'] }],
  ])('creates nothing in a /dev bound from the host (%s), even with devices asked', (_w, m) => {
    const mounts = [...defaultMounts(), { destination: '/dev', source: '/host/devdir', ...m }];
    const devices = [{ path: '/dev/null', type: 'c' as const, major: 1, minor: 3 }];
    const { plan } = buildSpawnPlan(spec({ mounts, devices }), host);
    expect(plan.devices).toEqual([]);
    expect(plan.symlinks).toEqual([]);
  });

  it("takes a bind over a /proc file lxcfs emulates, as runc's list allows", () => {
    const mounts = [
      ...defaultMounts(),
      { destination: '/proc/cpuinfo', type: 'bind', source: '/host/file', options: ['bind'] },
    ];
    const { plan } = buildSpawnPlan(spec({ mounts }), host);
    expect(plan.mounts.at(-1)).toMatchObject({ target: 'proc/cpuinfo', kind: 2 });
  });

  it('plans a fifo device as an S_IFIFO node with no host node to bind', () => {
    const devices = [
      { path: '/dev/fifo', type: 'p' as const, major: 0, minor: 0, fileMode: 0o640 },
    ];
    const { plan } = buildSpawnPlan(spec({ devices }), host);
    expect(plan.devices).toEqual([
      { path: 'dev/fifo', hostPath: '', mode: 0o10640, major: 0, minor: 0, uid: 0, gid: 0 },
    ]);
  });

  it.each([
    [
      'no mount namespace',
      { namespaces: [{ type: 'pid' as const }] },
      /mount namespace is required/,
    ],
    [
      'a hostname without uts',
      { namespaces: [{ type: 'mount' as const }], hostname: 'x' },
      /uts namespace/,
    ],
    ['a NUL in an argument', { args: ['sh', 'a\0b'] }, /NUL byte/],
    ['a relative cwd', { cwd: 'work' }, /cwd must be absolute/],
    [
      'an unknown capability',
      { capabilities: { bounding: ['CAP_FLY'], effective: [], permitted: [] } },
      /unknown capability CAP_FLY/,
    ],
    [
      'a missing bind source',
      { mounts: [{ destination: '/x', type: 'bind', source: '/missing', options: [] }] },
      /does not exist/,
    ],
    [
      'a mount over /',
      { mounts: [{ destination: '/', type: 'tmpfs', source: 'tmpfs', options: [] }] },
      /cover the container root/,
    ],
    [
      'an exec fifo start without a proc mount at /proc',
      { startWith: { kind: 'fifo' as const, path: '/run/x/exec.fifo' }, mounts: [] },
      /needs a proc mount at \/proc/,
    ],
    [
      'a host directory bound over /proc',
      { mounts: [{ destination: '/proc', type: 'bind', source: '/host/d', options: ['rbind'] }] },
      /\/proc cannot be mounted because it is not of type proc/,
    ],
    [
      'a tmpfs over /proc',
      { mounts: [{ destination: '/proc', type: 'tmpfs', source: 'tmpfs', options: [] }] },
      /not of type proc/,
    ],
    [
      'a bind inside /proc',
      { mounts: [{ destination: '/proc/sys', type: 'bind', source: '/host/d', options: [] }] },
      /\/proc\/sys cannot be mounted because it is inside \/proc/,
    ],
    ['a host-wide sysctl', { sysctl: { 'vm.swappiness': '1' } }, /not namespaced/],
    ['an ipc sysctl without ipc', { sysctl: { 'kernel.shmmax': '1' } }, /without a ipc namespace/],
    [
      'an rlimit over the hard limit',
      { rlimits: [{ type: 'RLIMIT_NOFILE', soft: 1, hard: 20001 }] },
      /above this process's hard limit 20000/,
    ],
  ])('rejects %s', (_name, over, message) => {
    expect(() => buildSpawnPlan(spec(over), host)).toThrow(message);
  });
});

describe('buildSpawnPlan: init hooks', () => {
  const hook = { path: '/usr/bin/hook', args: ['hook', '-v'], env: ['A=1'], timeout: 2 };

  it('passes no hooks when none are asked for', () => {
    expect(buildSpawnPlan(spec({}), host).plan.hooks).toBeNull();
    const empty = { hooks: { createContainer: [], state: { id: 'c' } } };
    expect(buildSpawnPlan(spec(empty), host).plan.hooks).toBeNull();
  });

  it('plans each list with the state after the pid the child writes first', () => {
    const state = { pid: 99, ociVersion: '1.2.0', id: 'c' };
    const hooks = { createContainer: [hook], startContainer: [{ path: '/x' }], state };
    const { plan, labels } = buildSpawnPlan(spec({ hooks }), host);

    expect(plan.hooks).toEqual({
      createContainer: [
        { path: '/usr/bin/hook', args: ['hook', '-v'], env: ['A=1'], timeoutMs: 2000 },
      ],
      startContainer: [{ path: '/x', args: ['/x'], env: [], timeoutMs: 0 }],
      createStateTail: ',"ociVersion":"1.2.0","id":"c","status":"creating"}',
      startStateTail: ',"ociVersion":"1.2.0","id":"c","status":"created"}',
    });
    const written = `{"pid":1234${plan.hooks?.createStateTail ?? ''}`;
    expect(JSON.parse(written)).toEqual({
      pid: 1234,
      ociVersion: '1.2.0',
      id: 'c',
      status: 'creating',
    });
    expect(labels.createContainerHooks).toEqual(['/usr/bin/hook']);
  });

  it.each([
    ['a relative path', { path: 'hook' }, /path must be absolute/],
    ['a zero timeout', { path: '/h', timeout: 0 }, /timeout must be a positive/],
    ['a NUL in an argument', { path: '/h', args: ['h', 'a\0b'] }, /NUL|nul/],
  ])('rejects a hook with %s', (_what, bad, message) => {
    const hooks = { startContainer: [bad], state: {} };
    expect(() => buildSpawnPlan(spec({ hooks }), host)).toThrow(message);
  });
});

describe('buildSpawnPlan: user namespaces', () => {
  const userns = [{ type: 'user' as const }, { type: 'mount' as const }];
  const range = (containerID: number, hostID: number, size: number) => ({
    containerID,
    hostID,
    size,
  });

  it('adds CLONE_NEWUSER and the map texts the parent writes after clone', () => {
    const over = {
      namespaces: userns,
      uidMappings: [range(0, 100000, 1000), range(1000, 5000, 1)],
      gidMappings: [range(0, 200000, 65536)],
    };
    const { plan } = buildSpawnPlan(spec(over), host);
    expect(plan.cloneFlags & host.constants.CLONE_NEWUSER).toBe(0x10000000);
    expect(plan.uidMap).toBe('0 100000 1000\n1000 5000 1\n');
    expect(plan.gidMap).toBe('0 200000 65536\n');
  });

  it('writes no maps without a user namespace', () => {
    expect(buildSpawnPlan(spec({}), host).plan).toMatchObject({ uidMap: '', gidMap: '' });
  });

  it.each([
    [
      'mappings without a user namespace',
      { uidMappings: [range(0, 1, 1)] },
      /need a new user namespace/,
    ],
    [
      'a user namespace without gid mappings',
      { namespaces: userns, uidMappings: [range(0, 1, 1)] },
      /needs gid mappings/,
    ],
    [
      'mappings that leave container root out',
      { namespaces: userns, uidMappings: [range(1, 1, 1)], gidMappings: [range(0, 1, 1)] },
      /must map container uid 0/,
    ],
    [
      'an empty range',
      { namespaces: userns, uidMappings: [range(0, 1, 0)], gidMappings: [range(0, 1, 1)] },
      /bad uid mapping/,
    ],
    [
      'mappings for a joined user namespace',
      {
        namespaces: [
          { type: 'user' as const, path: '/proc/1/ns/user' },
          { type: 'mount' as const },
        ],
        uidMappings: [range(0, 1, 1)],
        gidMappings: [range(0, 1, 1)],
      },
      /need a new user namespace/,
    ],
  ])('rejects %s', (_what, over, message) => {
    expect(() => buildSpawnPlan(spec(over), host)).toThrow(message);
  });
});

describe('buildSpawnPlan: joining namespaces by path', () => {
  const c = host.constants;
  const ns = (type: NamespaceSpec['type'], path?: string): NamespaceSpec =>
    path === undefined ? { type } : { type, path };

  it('enters a pid namespace from the parent, so the child is born in it', () => {
    const { plan } = buildSpawnPlan(
      spec({ namespaces: [ns('pid', '/proc/9/ns/pid'), ns('mount')] }),
      host,
    );
    expect(plan.pidJoin).toBe('/proc/9/ns/pid');
    expect(plan.cloneFlags & c.CLONE_NEWPID).toBe(0);
    expect(plan.joins).toEqual([]);
  });

  it('joins a mount namespace in the child instead of making one', () => {
    const namespaces = [ns('mount', '/proc/9/ns/mnt'), ns('uts')];
    const { plan, labels } = buildSpawnPlan(spec({ namespaces }), host);
    expect(plan.cloneFlags).toBe(c.CLONE_NEWUTS);
    expect(plan.joins).toEqual([{ path: '/proc/9/ns/mnt', nstype: c.CLONE_NEWNS }]);
    expect(labels.joins).toEqual(['/proc/9/ns/mnt']);
  });

  it('joins a user namespace first and makes the new ones inside it with unshare', () => {
    const namespaces = [
      ns('network', '/proc/9/ns/net'),
      ns('mount'),
      ns('user', '/proc/9/ns/user'),
      ns('pid', '/proc/9/ns/pid'),
      ns('ipc'),
    ];
    const { plan } = buildSpawnPlan(spec({ namespaces }), host);
    expect(plan.joins.map((j) => j.nstype)).toEqual([c.CLONE_NEWUSER, c.CLONE_NEWNET]);
    expect(plan.cloneFlags).toBe(0);
    expect(plan.unshareFlags).toBe(c.CLONE_NEWNS | c.CLONE_NEWIPC);
    expect(plan.pidJoin).toBe('/proc/9/ns/pid');
    expect(plan).toMatchObject({ uidMap: '', gidMap: '' });
  });

  it.each([
    [
      'a new pid namespace inside a joined user namespace',
      [ns('user', '/proc/9/ns/user'), ns('pid'), ns('mount')],
      /new pid namespace inside a joined user namespace/,
    ],
    [
      'a relative namespace path',
      [ns('network', 'proc/9/ns/net'), ns('mount')],
      /must be absolute/,
    ],
    ['no mount namespace at all', [ns('pid')], /mount namespace is required/],
  ])('rejects %s', (_what, namespaces, message) => {
    expect(() => buildSpawnPlan(spec({ namespaces }), host)).toThrow(message);
  });
});

describe('buildSpawnPlan: cgroup mounts in a user namespace', () => {
  const cgroupMount = {
    destination: '/sys/fs/cgroup',
    type: 'cgroup',
    source: 'cgroup',
    options: ['ro', 'nosuid'],
  };
  const maps = {
    uidMappings: [{ containerID: 0, hostID: 1, size: 1 }],
    gidMappings: [{ containerID: 0, hostID: 1, size: 1 }],
  };

  it('binds the host tree when the user namespace has no cgroup namespace of its own', () => {
    const over = {
      namespaces: [{ type: 'user' as const }, { type: 'mount' as const }],
      mounts: [cgroupMount],
      ...maps,
    };
    const [m] = buildSpawnPlan(spec(over), host).plan.mounts;
    expect(m).toMatchObject({ source: '/sys/fs/cgroup', fstype: null, cgroupNs: false, kind: 1 });
    expect((m?.flags ?? 0) & (F.MS_BIND | F.MS_REC | F.MS_RDONLY)).toBe(
      F.MS_BIND | F.MS_REC | F.MS_RDONLY,
    );
  });

  it('mounts cgroup2 after start when it has one', () => {
    const namespaces = ['user', 'mount', 'cgroup'].map((type) => ({ type }) as NamespaceSpec);
    const [m] = buildSpawnPlan(spec({ namespaces, mounts: [cgroupMount], ...maps }), host).plan
      .mounts;
    expect(m).toMatchObject({ fstype: 'cgroup2', cgroupNs: true });
  });
});
