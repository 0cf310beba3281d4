import { statSync } from 'node:fs';

import type { ExecProcessSpec } from '@iza/ns-native';

type NamespaceType = ExecProcessSpec['namespaces'][number]['type'];

// /proc/<pid>/ns file names of the kinds a container may have (namespaces(7)).
const FILES: [NamespaceType, string][] = [
  ['user', 'user'],
  ['mount', 'mnt'],
  ['pid', 'pid'],
  ['network', 'net'],
  ['uts', 'uts'],
  ['ipc', 'ipc'],
  ['cgroup', 'cgroup'],
];

function identity(path: string): string | undefined {
  try {
    const st = statSync(path);
    return `${st.dev}:${st.ino}`;
  } catch {
    return undefined;
  }
}

/**
 * The namespaces of `pid` that an exec'd process must join: each of its /proc/<pid>/ns files
 * that is not this process's own (a container sharing the host's network, say, has nothing to
 * join there; setns(2) into one's own user namespace even fails). `procRoot` is for tests.
 */
export function initNamespaces(pid: number, procRoot = '/proc'): ExecProcessSpec['namespaces'] {
  const out: ExecProcessSpec['namespaces'] = [];
  for (const [type, file] of FILES) {
    const path = `${procRoot}/${pid}/ns/${file}`;
    const theirs = identity(path);
    if (theirs !== undefined && theirs !== identity(`${procRoot}/self/ns/${file}`))
      out.push({ type, path });
  }
  return out;
}
