import { describe, expect, it } from '@jest/globals';

import { mapOciConfig, OciErrorCode } from './index.js';
import type { OciSpec } from './index.js';

/** A config shaped like the one podman 4.3 sends (captured on this project's host). */
function podmanLike(): OciSpec {
  const caps = ['CAP_CHOWN', 'CAP_KILL', 'CAP_SETUID', 'CAP_SETGID'];
  return {
    ociVersion: '1.0.2-dev',
    process: {
      user: { uid: 0, gid: 0, umask: 18 },
      args: ['/bin/echo', 'hi'],
      env: ['PATH=/bin', 'container=podman'],
      cwd: '/',
      capabilities: { bounding: caps, effective: caps, permitted: caps },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      oomScoreAdj: 0,
    },
    root: { path: 'merged' },
    hostname: 'abc',
    mounts: [
      {
        destination: '/proc',
        type: 'proc',
        source: 'proc',
        options: ['nosuid', 'noexec', 'nodev'],
      },
      {
        destination: '/etc/hosts',
        type: 'bind',
        source: '/run/x/hosts',
        options: ['bind', 'rprivate'],
      },
      {
        destination: '/sys/fs/cgroup',
        type: 'cgroup',
        source: 'cgroup',
        options: ['rprivate', 'ro'],
      },
    ],
    annotations: { 'io.container.manager': 'libpod' },
    linux: {
      resources: {
        devices: [{ allow: false, access: 'rwm' }],
        memory: { limit: 52428800, swap: 104857600 },
        pids: { limit: 2048 },
        blockIO: {},
      },
      cgroupsPath: '/libpod_parent/libpod-abc',
      namespaces: [
        { type: 'pid' },
        { type: 'network' },
        { type: 'ipc' },
        { type: 'uts' },
        { type: 'mount' },
      ],
      maskedPaths: ['/proc/kcore'],
      readonlyPaths: ['/proc/sys'],
    },
  };
}

type Edit = (s: OciSpec) => void;
const linux = (s: OciSpec) => s.linux as NonNullable<OciSpec['linux']>;
const proc = (s: OciSpec) => s.process as NonNullable<OciSpec['process']>;

describe('mapOciConfig', () => {
  it('maps a podman config onto the spawn spec, resources and device rules', () => {
    const m = mapOciConfig(podmanLike(), '/bundle');
    expect(m.process.rootfs).toBe('/bundle/merged');
    expect(m.process.args).toEqual(['/bin/echo', 'hi']);
    expect(m.process.user).toEqual({ uid: 0, gid: 0, umask: 18 });
    expect(m.process.hostname).toBe('abc');
    expect(m.process.namespaces.map((n) => n.type)).toEqual([
      'pid',
      'network',
      'ipc',
      'uts',
      'mount',
    ]);
    expect(m.process.maskedPaths).toEqual(['/proc/kcore']);
    expect(m.process.capabilities?.ambient).toEqual([]);
    expect(m.resources).toEqual({
      memory: { limit: 52428800, swap: 104857600 },
      pids: { limit: 2048 },
    });
    expect(m.deviceRules[0]).toEqual({ allow: false, access: 'rwm' });
    expect(m.deviceRules).toContainEqual({
      allow: true,
      type: 'c',
      major: 136,
      minor: null,
      access: 'rwm',
    });
    expect(m.process.devices?.map((d) => d.path)).toContain('/dev/null');
    expect(m.cgroupsPath).toBe('/libpod_parent/libpod-abc');
    expect(m.ownPidNamespace).toBe(true);
  });

  it('defaults an absent capability set to empty and absent masked paths to none', () => {
    const spec = podmanLike();
    delete proc(spec).capabilities;
    delete linux(spec).maskedPaths;
    const m = mapOciConfig(spec, '/b');
    expect(m.process.capabilities).toEqual({
      bounding: [],
      effective: [],
      permitted: [],
      inheritable: [],
      ambient: [],
    });
    expect(m.process.maskedPaths).toEqual([]);
  });

  it('resolves a relative bind source against the bundle and marks type bind as a bind', () => {
    const spec = podmanLike();
    spec.mounts = [{ destination: '/data', type: 'bind', source: 'data', options: ['ro'] }];
    expect(mapOciConfig(spec, '/b').process.mounts).toEqual([
      { destination: '/data', type: 'bind', source: '/b/data', options: ['bind', 'ro'] },
    ]);
  });

  it('keeps a namespace path to join for network, ipc and uts', () => {
    const spec = podmanLike();
    linux(spec).namespaces = [{ type: 'mount' }, { type: 'network', path: '/proc/1/ns/net' }];
    const m = mapOciConfig(spec, '/b');
    expect(m.process.namespaces).toContainEqual({ type: 'network', path: '/proc/1/ns/net' });
    expect(m.ownPidNamespace).toBe(false);
  });

  it('maps a user namespace with its uid and gid mappings', () => {
    const spec = podmanLike();
    linux(spec).namespaces?.push({ type: 'user' });
    linux(spec).uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    linux(spec).gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];

    const { process } = mapOciConfig(spec, '/b');
    expect(process.namespaces).toContainEqual({ type: 'user' });
    expect(process.uidMappings).toEqual([{ containerID: 0, hostID: 100000, size: 65536 }]);
    expect(process.gidMappings).toEqual([{ containerID: 0, hostID: 100000, size: 65536 }]);
  });

  it('passes linux.seccomp to the spawn spec, and refuses a malformed one naming the field', () => {
    const spec = podmanLike();
    const seccomp = {
      defaultAction: 'SCMP_ACT_ERRNO',
      defaultErrnoRet: 38,
      syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW' }],
    };
    linux(spec).seccomp = seccomp;
    expect(mapOciConfig(spec, '/b').process.seccomp).toEqual(seccomp);

    linux(spec).seccomp = { defaultAction: 'SCMP_ACT_SOMETIMES' };
    expect(() => mapOciConfig(spec, '/b')).toThrow(
      expect.objectContaining({
        code: 'ERR_IZA_OCI_INVALID_CONFIG',
        message: 'linux.seccomp: unknown action SCMP_ACT_SOMETIMES in defaultAction',
      }),
    );
    linux(spec).seccomp = 'strict';
    expect(() => mapOciConfig(spec, '/b')).toThrow('linux.seccomp: must be an object');
  });

  it('joins namespaces given by path, a user namespace without mappings of its own', () => {
    const spec = podmanLike();
    linux(spec).namespaces = [
      { type: 'pid', path: '/proc/7/ns/pid' },
      { type: 'mount', path: '/proc/7/ns/mnt' },
      { type: 'user', path: '/proc/7/ns/user' },
    ];
    const mapped = mapOciConfig(spec, '/b');
    expect(mapped.process.namespaces).toEqual(linux(spec).namespaces);
    expect(mapped.process.uidMappings).toBeUndefined();
    expect(mapped.ownPidNamespace).toBe(false);
  });

  it('accepts the empty placeholders podman and containerd send', () => {
    const spec = podmanLike();
    proc(spec).apparmorProfile = '';
    proc(spec).selinuxLabel = '';
    linux(spec).seccomp = undefined;
    linux(spec).mountLabel = '';
    linux(spec).resources = {
      ...linux(spec).resources,
      hugepageLimits: [],
      cpu: { shares: 0, cpus: '' },
    };
    expect(() => mapOciConfig(spec, '/b')).not.toThrow();
  });

  it('ignores, and lists, properties the runtime spec does not define', () => {
    const spec = podmanLike() as OciSpec & Record<string, unknown>;
    spec['unknown'] = 'unknown';
    linux(spec)['vendorTuning'] = { fast: true };
    (proc(spec).user as unknown as Record<string, unknown>)['nickname'] = 'root';
    spec.hooks = { beforeEverything: [{ path: '/bin/true' }] } as NonNullable<OciSpec['hooks']>;
    (spec.mounts?.[1] as unknown as Record<string, unknown>)['extra'] = 1;

    const m = mapOciConfig(spec, '/b');

    expect(m.ignoredFields).toEqual([
      'process.user.nickname',
      'mounts[1].extra',
      'linux.vendorTuning',
      'unknown',
      'hooks.beforeEverything',
    ]);
    expect(mapOciConfig(podmanLike(), '/b').ignoredFields).toEqual([]);
  });

  it('maps a fifo device to a node without a number or a device cgroup rule', () => {
    const spec = podmanLike();
    linux(spec).devices = [{ path: '/dev/f', type: 'p', fileMode: 0o640 }];
    const m = mapOciConfig(spec, '/b');
    expect(m.process.devices).toContainEqual({
      path: '/dev/f',
      type: 'p',
      major: 0,
      minor: 0,
      fileMode: 0o640,
    });
    expect(m.deviceRules.some((r) => r.major === 0 && r.minor === 0)).toBe(false);
  });

  it('maps the cgroup v1 memory extras and accepts an unlimited kernel memory limit', () => {
    const spec = podmanLike();
    linux(spec).resources = {
      memory: {
        limit: 1 << 26,
        kernel: -1,
        kernelTCP: 1 << 24,
        swappiness: 10,
        disableOOMKiller: true,
      },
    };
    expect(mapOciConfig(spec, '/b').resources.memory).toEqual({
      limit: 1 << 26,
      kernelTCP: 1 << 24,
      swappiness: 10,
      disableOOMKiller: true,
    });
  });

  it.each<[string, Edit, string]>([
    [
      'a seccomp notify agent',
      (s) =>
        void (linux(s).seccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/run/agent' }),
      'linux.seccomp: listenerPath (a notify agent) is not supported',
    ],
    [
      'a time namespace',
      (s) => void linux(s).namespaces?.push({ type: 'time' }),
      'linux.namespaces[5]: time namespaces are not supported yet',
    ],
    [
      'no mount namespace',
      (s) => void (linux(s).namespaces = [{ type: 'pid' }]),
      "linux.namespaces: a container in the runtime's own mount namespace is not supported",
    ],
    [
      'an apparmor profile',
      (s) => void (proc(s).apparmorProfile = 'docker-default'),
      'process.apparmorProfile: not supported yet',
    ],
    [
      'an selinux label',
      (s) => void (proc(s).selinuxLabel = 'system_u:r:container_t'),
      'process.selinuxLabel: not supported yet',
    ],
    ['a domainname', (s) => void (s.domainname = 'example.org'), 'domainname: not supported yet'],
    [
      'blkio weights',
      (s) => void (linux(s).resources = { blockIO: { weight: 10 } }),
      'linux.resources.blockIO: not supported yet',
    ],
    [
      'a kernel memory limit, which current kernels ignore',
      (s) => void (linux(s).resources = { memory: { kernel: 1 << 26 } }),
      'linux.resources.memory.kernel: kernel memory limits are not supported: current kernels ignore them',
    ],
    [
      'a personality',
      (s) => void (linux(s)['personality'] = { domain: 'LINUX32' }),
      'linux.personality: not supported yet',
    ],
    [
      'a scheduler policy',
      (s) => void (proc(s).scheduler = { policy: 'SCHED_FIFO' }),
      'process.scheduler: not supported yet',
    ],
    [
      'a windows user name',
      (s) => void (proc(s).user.username = 'ContainerUser'),
      'process.user.username: not supported yet',
    ],
    [
      'a realtime cpu runtime',
      (s) => void (linux(s).resources = { cpu: { realtimeRuntime: 5 } }),
      'linux.resources.cpu.realtimeRuntime: not supported yet',
    ],
    [
      'intelRdt',
      (s) => void (linux(s)['intelRdt'] = { closID: 'x' }),
      'linux.intelRdt: not supported yet',
    ],
    [
      'a windows section',
      (s) => void (s['windows'] = { layerFolders: ['x'] }),
      'windows: not supported yet',
    ],
    [
      'recursive read-only mounts',
      (s) =>
        void (s.mounts = [
          { destination: '/x', type: 'bind', source: '/x', options: ['rbind', 'rro'] },
        ]),
      'mounts[0].options rro: not supported yet',
    ],
    [
      'idmapped mounts',
      (s) =>
        void (s.mounts = [{ destination: '/x', type: 'bind', source: '/x', uidMappings: [{}] }]),
      'mounts[0].uidMappings: idmapped mounts are not supported yet',
    ],
    [
      'an old spec version',
      (s) => void (s.ociVersion = '0.6.0'),
      'ociVersion: version 0.6.0 is not supported (1.x is)',
    ],
  ])('refuses %s, naming the field', (_name, edit, message) => {
    const spec = podmanLike();
    edit(spec);
    expect(() => mapOciConfig(spec, '/b')).toThrow(
      expect.objectContaining({ code: OciErrorCode.Unsupported, message }),
    );
  });

  it.each<[string, Edit, string]>([
    ['no process', (s) => void delete s.process, 'process: required by create'],
    ['empty args', (s) => void (proc(s).args = []), 'process.args: must name a program'],
    ['a relative cwd', (s) => void (proc(s).cwd = 'tmp'), 'process.cwd: must be an absolute path'],
    ['no root', (s) => void delete s.root, 'root.path: required'],
    [
      'a relative mount destination',
      (s) => void (s.mounts = [{ destination: 'x', type: 'tmpfs' }]),
      'mounts[0].destination: must be an absolute path',
    ],
    [
      'a bad propagation',
      (s) => void (linux(s).rootfsPropagation = 'sideways'),
      'linux.rootfsPropagation: unknown propagation sideways',
    ],
    [
      'a relative hook path',
      (s) => void (s.hooks = { prestart: [{ path: 'hook' }] }),
      'hooks.prestart[0].path: must be an absolute path',
    ],
    [
      'a zero hook timeout',
      (s) => void (s.hooks = { poststop: [{ path: '/h', timeout: 0 }] }),
      'hooks.poststop[0].timeout: must be a positive number of seconds',
    ],
    [
      'uid mappings without a user namespace',
      (s) => void (linux(s).uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }]),
      'linux.uidMappings: mappings need a new user namespace in linux.namespaces',
    ],
    [
      'a user namespace without gid mappings',
      (s) => {
        linux(s).namespaces?.push({ type: 'user' });
        linux(s).uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }];
      },
      'linux.gidMappings: a user namespace needs mappings',
    ],
    [
      'an unknown device type',
      (s) => void (linux(s).devices = [{ path: '/dev/x', type: 's', major: 1, minor: 1 }]),
      'linux.devices[0].type: unknown device type "s"',
    ],
    [
      'a swappiness above 100',
      (s) => void (linux(s).resources = { memory: { swappiness: 101 } }),
      'linux.resources.memory.swappiness: must be 0 to 100',
    ],
    [
      'an unknown namespace',
      (s) => void linux(s).namespaces?.push({ type: 'mnt' }),
      'linux.namespaces[5].type: unknown namespace type "mnt"',
    ],
  ])('rejects %s as an invalid config', (_name, edit, message) => {
    const spec = podmanLike();
    edit(spec);
    expect(() => mapOciConfig(spec, '/b')).toThrow(
      expect.objectContaining({ code: OciErrorCode.InvalidConfig, message }),
    );
  });
});
