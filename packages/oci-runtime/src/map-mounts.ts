import { isAbsolute, resolve } from 'node:path';

import type { MountSpec } from '@iza/ns-native';

import { invalidConfig, unsupported } from './errors.js';
import type { OciMount } from './oci-config.js';

/**
 * Options iza cannot honour: recursive mount attributes (mount_setattr), idmapped mounts and
 * crun's copy-up extension. Refused rather than dropped, because each changes what the
 * container may do or see.
 */
const REFUSED_OPTIONS = new Set([
  'rro',
  'rrw',
  'rnosuid',
  'rsuid',
  'rnodev',
  'rdev',
  'rnoexec',
  'rexec',
  'rnodiratime',
  'rdiratime',
  'rrelatime',
  'rnorelatime',
  'rnoatime',
  'ratime',
  'rstrictatime',
  'rnostrictatime',
  'nosymfollow',
  'rnosymfollow',
  'idmap',
  'ridmap',
  'tmpcopyup',
  'copy-up',
]);

function mapMount(m: OciMount, index: number, bundle: string): MountSpec {
  const field = `mounts[${index}]`;
  if (typeof m.destination !== 'string' || !isAbsolute(m.destination)) {
    throw invalidConfig(`${field}.destination`, 'must be an absolute path');
  }
  if (m.uidMappings?.length || m.gidMappings?.length) {
    throw unsupported(`${field}.uidMappings`, 'idmapped mounts are not supported yet');
  }

  const options = m.options ?? [];
  for (const option of options) {
    if (REFUSED_OPTIONS.has(option)) throw unsupported(`${field}.options ${option}`);
  }

  const type = m.type ?? '';
  const isBind = type === 'bind' || options.includes('bind') || options.includes('rbind');
  let source = m.source ?? '';
  // runtime-spec config.md: a relative bind source is relative to the bundle.
  if (isBind && source !== '' && !isAbsolute(source)) source = resolve(bundle, source);
  if (isBind && source === '')
    throw invalidConfig(`${field}.source`, 'a bind mount needs a source');
  if (!isBind && type === '') throw invalidConfig(`${field}.type`, 'required for a non-bind mount');

  const bindOption = options.includes('bind') || options.includes('rbind');
  return {
    destination: m.destination,
    type: isBind ? 'bind' : type,
    source,
    options: isBind && !bindOption ? ['bind', ...options] : [...options],
  };
}

/** config.json `mounts` → spawn mounts, in order. */
export function mapMounts(mounts: readonly OciMount[] | undefined, bundle: string): MountSpec[] {
  return (mounts ?? []).map((m, i) => mapMount(m, i, bundle));
}
