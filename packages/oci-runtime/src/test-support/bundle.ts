import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { OciSpec } from '../oci-config.js';

const APPLETS = [
  'sh',
  'cat',
  'echo',
  'sleep',
  'hostname',
  'ps',
  'true',
  'id',
  'tty',
  'stty',
  'ls',
  'mkdir',
  'mount',
  'touch',
];

/** A temp dir with a state root and a bundle whose rootfs is the host's static busybox. */
export interface TestBundle {
  dir: string;
  bundle: string;
  rootfs: string;
  stateRoot: string;
  /** Writes config.json: the busybox spec with `args`, then `edit`. */
  writeConfig(args: string[], edit?: (spec: OciSpec) => void): OciSpec;
  remove(): void;
}

/** The minimal config the tests start from: own namespaces, /proc and /dev, no seccomp. */
export function baseSpec(args: string[]): OciSpec {
  return {
    ociVersion: '1.0.2',
    process: { user: { uid: 0, gid: 0 }, args, env: ['PATH=/bin'], cwd: '/' },
    root: { path: 'rootfs' },
    hostname: 'oci-test',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'mode=755'] },
    ],
    linux: {
      namespaces: ['pid', 'mount', 'uts', 'ipc', 'network'].map((type) => ({ type })),
      resources: { devices: [{ allow: false, access: 'rwm' }] },
    },
  };
}

export function makeTestBundle(): TestBundle {
  const dir = mkdtempSync(join(tmpdir(), 'iza-oci-'));
  const bundle = join(dir, 'bundle');
  const rootfs = join(bundle, 'rootfs');
  for (const d of ['bin', 'proc', 'dev', 'tmp', 'etc'])
    mkdirSync(join(rootfs, d), { recursive: true });
  chmodSync(bundle, 0o755);
  chmodSync(rootfs, 0o755);
  copyFileSync('/bin/busybox', join(rootfs, 'bin', 'busybox'));
  chmodSync(join(rootfs, 'bin', 'busybox'), 0o755);
  for (const a of APPLETS) symlinkSync('busybox', join(rootfs, 'bin', a));

  return {
    dir,
    bundle,
    rootfs,
    stateRoot: join(dir, 'state'),
    writeConfig(args, edit) {
      const spec = baseSpec(args);
      edit?.(spec);
      writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec));
      return spec;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Polls `check` every 10 ms until it holds or `timeoutMs` passes. */
export async function eventually(check: () => boolean, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}
