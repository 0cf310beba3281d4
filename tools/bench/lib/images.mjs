// The benchmark images as OCI layouts cached under /var/cache/iza-bench, built offline once.
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { renameSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { goArch, writeBigImage } from './big-image.mjs';
import { run } from './proc.mjs';

/** Where built layouts are kept between runs (`IZA_BENCH_CACHE` overrides). */
export const CACHE = process.env.IZA_BENCH_CACHE ?? '/var/cache/iza-bench';

/** The e2e suite's Debian layout, reused when present (tag `bookworm`). */
const E2E_DEBIAN = '/var/cache/iza-e2e/debian-bookworm-minbase-oci-v1';

const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * Returns `final` if it exists, else builds it with `build(tmpDir)` and renames it into place,
 * so an interrupted build never leaves a half layout in the cache.
 */
async function cached(final, build, log) {
  if (existsSync(join(final, 'index.json'))) return final;

  mkdirSync(CACHE, { recursive: true });
  const tmp = mkdtempSync(join(CACHE, '.building-'));
  try {
    log(`building ${final} (once; cached afterwards)`);
    await build(tmp);
    renameSync(join(tmp, 'layout'), final);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return final;
}

/** umoci new + unpack: an empty image `tag` in `layout` and a bundle to fill its rootfs. */
function umociStart(layout, tag, bundle) {
  run('umoci', ['init', '--layout', layout]);
  run('umoci', ['new', '--image', `${layout}:${tag}`]);
  run('umoci', ['unpack', '--image', `${layout}:${tag}`, bundle]);
  return join(bundle, 'rootfs');
}

function umociFinish(layout, tag, bundle, note, cmd) {
  run('umoci', ['repack', '--history.created_by', note, '--image', `${layout}:${tag}`, bundle]);
  run('umoci', [
    'config',
    ...['--image', `${layout}:${tag}`, '--architecture', goArch(), '--os', 'linux'],
    ...['--config.env', PATH_ENV, '--config.cmd', cmd],
  ]);
  run('umoci', ['gc', '--layout', layout]);
}

/** The ~400 MB six-layer image: `{ dir, tag }`. */
export async function bigImage(log) {
  const tag = 'v1';
  const dir = await cached(
    join(CACHE, 'big-v1'),
    (tmp) => writeBigImage(join(tmp, 'layout'), tmp, tag),
    log,
  );
  return { dir, tag };
}

/** A one-layer image of busybox-static with every applet linked in /bin: `{ dir, tag }`. */
export async function busyboxImage(log) {
  const tag = 'v1';
  const dir = await cached(
    join(CACHE, 'busybox-v1'),
    async (tmp) => {
      const layout = join(tmp, 'layout');
      const rootfs = umociStart(layout, tag, join(tmp, 'bundle'));
      for (const d of ['bin', 'dev', 'etc', 'proc', 'sys', 'tmp', 'root']) {
        mkdirSync(join(rootfs, d), { recursive: true });
      }
      copyFileSync('/bin/busybox', join(rootfs, 'bin', 'busybox'));
      chmodSync(join(rootfs, 'bin', 'busybox'), 0o755);
      const applets = run('/bin/busybox', ['--list']).split('\n').filter(Boolean);
      for (const a of applets) {
        if (a !== 'busybox') symlinkSync('busybox', join(rootfs, 'bin', a));
      }
      umociFinish(layout, tag, join(tmp, 'bundle'), 'busybox-static', '/bin/sh');
    },
    log,
  );
  return { dir, tag };
}

/**
 * The Debian bookworm minbase image: the e2e suite's cached layout when present, else one built
 * here with `debootstrap --variant=minbase` (needs the Debian mirror): `{ dir, tag }`.
 */
export async function debianImage(log) {
  if (existsSync(join(E2E_DEBIAN, 'index.json'))) return { dir: E2E_DEBIAN, tag: 'bookworm' };

  const tag = 'bookworm';
  const dir = await cached(
    join(CACHE, 'debian-bookworm-v1'),
    async (tmp) => {
      const layout = join(tmp, 'layout');
      const rootfs = umociStart(layout, tag, join(tmp, 'bundle'));
      run('debootstrap', ['--variant=minbase', 'bookworm', rootfs]);
      umociFinish(layout, tag, join(tmp, 'bundle'), 'debootstrap --variant=minbase', '/bin/bash');
    },
    log,
  );
  return { dir, tag };
}

/** Pushes `image` to `registry` as `bench/<name>:<tag>` with skopeo; returns the reference. */
export function pushImage(image, registry, name) {
  const ref = `${registry.host}/bench/${name}:${image.tag}`;
  run('skopeo', [
    'copy',
    ...['--quiet', '--dest-tls-verify=false'],
    `oci:${image.dir}:${image.tag}`,
    `docker://${ref}`,
  ]);
  return ref;
}
