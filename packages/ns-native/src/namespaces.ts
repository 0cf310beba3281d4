import { readdirSync } from 'node:fs';

/** A namespace kind as named in /proc/self/ns. */
export type NamespaceKind = 'pid' | 'net' | 'mnt' | 'uts' | 'ipc' | 'user' | 'cgroup' | 'time';

const kinds: readonly NamespaceKind[] = [
  'pid',
  'net',
  'mnt',
  'uts',
  'ipc',
  'user',
  'cgroup',
  'time',
];

/** Which namespace kinds this kernel offers (those listed in /proc/self/ns), for `iza info`. */
export function namespacesAvailable(procSelfNs = '/proc/self/ns'): NamespaceKind[] {
  const present = new Set(readdirSync(procSelfNs));
  return kinds.filter((k) => present.has(k));
}
