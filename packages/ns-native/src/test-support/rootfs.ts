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

const applets = [
  'sh',
  'ls',
  'cat',
  'ps',
  'hostname',
  'ip',
  'id',
  'sleep',
  'echo',
  'tty',
  'grep',
  'touch',
  'mount',
  'pwd',
  'env',
  'true',
  'false',
  'kill',
  'test',
  'stat',
  'readlink',
  'wc',
  'head',
];

export interface TestRootfs {
  dir: string;
  /** Removes the rootfs (recursively, and only it). */
  remove(): void;
}

/**
 * A tiny root filesystem built from the host's static busybox: /bin with applet symlinks, the
 * usual empty mount points, /etc/passwd and /etc/group with root, nobody and a test user 1000.
 */
export function makeBusyboxRootfs(prefix = 'iza-rootfs-'): TestRootfs {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  // mkdtemp makes 0700; an image root is 0755, or a non-root user cannot look anything up.
  chmodSync(dir, 0o755);
  for (const d of ['bin', 'etc', 'proc', 'sys', 'dev', 'tmp', 'work', 'root']) {
    mkdirSync(join(dir, d));
  }
  chmodSync(join(dir, 'tmp'), 0o1777);
  copyFileSync('/bin/busybox', join(dir, 'bin', 'busybox'));
  chmodSync(join(dir, 'bin', 'busybox'), 0o755);
  for (const a of applets) symlinkSync('busybox', join(dir, 'bin', a));

  writeFileSync(
    join(dir, 'etc', 'passwd'),
    'root:x:0:0:root:/root:/bin/sh\n' +
      'app:x:1000:1000:app:/home/app:/bin/sh\n' +
      'nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n',
  );
  writeFileSync(
    join(dir, 'etc', 'group'),
    'root:x:0:\nwheel:x:10:app\naudio:x:29:app,root\napp:x:1000:\nnogroup:x:65534:\n',
  );
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
