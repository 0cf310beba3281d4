// OCI runtime bundles for runc and crun made from the same image layouts the registry serves.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './proc.mjs';

/**
 * `umoci unpack`s `image` into `bundle`, then replaces umoci's config with `runc spec`'s default
 * adjusted to match `iza run --rm IMAGE ...args`: no terminal, `args`, the image's PATH, its own
 * pid, network (loopback only), ipc, uts, mount and cgroup namespaces.
 */
export function makeBundle(image, bundle, args) {
  run('umoci', ['unpack', '--image', `${image.dir}:${image.tag}`, bundle]);
  rmSync(join(bundle, 'config.json'));
  run('runc', ['spec', '--bundle', bundle]);

  const path = join(bundle, 'config.json');
  const spec = JSON.parse(readFileSync(path, 'utf8'));
  spec.process.terminal = false;
  spec.process.args = args;
  spec.root = { path: 'rootfs', readonly: false };
  const kinds = new Set(spec.linux.namespaces.map((n) => n.type));
  for (const type of ['pid', 'network', 'ipc', 'uts', 'mount', 'cgroup']) {
    if (!kinds.has(type)) spec.linux.namespaces.push({ type });
  }
  writeFileSync(path, JSON.stringify(spec, null, 2));
  return bundle;
}
