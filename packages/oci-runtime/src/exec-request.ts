import { readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';

import { IzaError } from '@iza/errors';
import type { ExecProcessSpec } from '@iza/ns-native';

import { invalidConfig, OciErrorCode } from './errors.js';
import type { OciProcess } from './oci-config.js';
import { refuseUnknown } from './check-fields.js';
import type { StoredState } from './state-store.js';

/** runc exec's flags that shape the process when no process.json is given. */
export interface ExecFlags {
  /** The command and its arguments. */
  args: string[];
  cwd?: string;
  /** `K=V` entries appended to the container's environment. */
  env?: string[];
  /** Allocate a terminal; false unless given, whatever the container's config says (runc). */
  tty?: boolean;
  /** `UID[:GID]`, numeric. */
  user?: string;
  additionalGids?: string[];
  /** Capabilities added to the bounding, effective and permitted sets. */
  caps?: string[];
  noNewPrivs?: boolean;
}

// What a process.json may ask for; anything else that is not empty is refused by name.
const EXEC_PROCESS = [
  'terminal',
  'consoleSize',
  'user',
  'args',
  'env',
  'cwd',
  'capabilities',
  'rlimits',
  'noNewPrivileges',
  'oomScoreAdj',
];

function usage(message: string): IzaError {
  return new IzaError(OciErrorCode.Usage, message, { hint: 'see iza-runtime exec --help' });
}

function id(text: string, what: string): number {
  if (!/^\d+$/.test(text) || Number(text) > 2 ** 31 - 1) throw usage(`bad ${what} ${text}`);
  return Number(text);
}

/**
 * runc exec without --process: the container's process (as create stored it) with the
 * command, cwd, environment, user, groups, capabilities and terminal of the flags.
 */
export function processFromFlags(base: OciProcess | undefined, flags: ExecFlags): OciProcess {
  if (base === undefined) {
    throw usage('this container was created without a stored process: pass --process FILE');
  }
  if (flags.args.length === 0) throw usage('exec: expects a container id and a command');
  const p: OciProcess = structuredClone(base);
  p.args = flags.args;
  if (flags.cwd !== undefined) p.cwd = flags.cwd;
  p.env = [...(p.env ?? []), ...(flags.env ?? [])];
  p.terminal = flags.tty === true;
  if (flags.noNewPrivs !== undefined) p.noNewPrivileges = flags.noNewPrivs;

  if (flags.user !== undefined) {
    const [uid = '', gid] = flags.user.split(':');
    p.user = { ...p.user, uid: id(uid, 'uid') };
    if (gid !== undefined) p.user.gid = id(gid, 'gid');
  }
  for (const gid of flags.additionalGids ?? []) {
    p.user.additionalGids = [...(p.user.additionalGids ?? []), id(gid, 'additional gid')];
  }

  const caps = flags.caps ?? [];
  if (caps.length > 0) {
    const c = { ...p.capabilities };
    c.bounding = [...(c.bounding ?? []), ...caps];
    c.effective = [...(c.effective ?? []), ...caps];
    c.permitted = [...(c.permitted ?? []), ...caps];
    // An ambient capability needs an inheritable one: runc raises them only when the
    // container's config has an inheritable set at all.
    if (c.inheritable !== undefined) c.ambient = [...(c.ambient ?? []), ...caps];
    p.capabilities = c;
  }
  return p;
}

/** Reads a process.json (runc exec --process, what containerd and conmon pass). */
export function readProcessFile(path: string): OciProcess {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new IzaError(OciErrorCode.InvalidConfig, `cannot read process file ${path}`, {
      cause: err,
    });
  }
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new Error('not an object');
    }
    return value as OciProcess;
  } catch (err) {
    throw invalidConfig('process', `${path} is not a process object: ${(err as Error).message}`);
  }
}

/**
 * The process to spawn for `p` in `container`, as runc's exec builds it: what a process.json
 * leaves out of capabilities and rlimits comes from the container's process, oom_score_adj is
 * the container's unless given, and the container's seccomp filter applies. Throws
 * ERR_IZA_OCI_INVALID_CONFIG or ERR_IZA_OCI_UNSUPPORTED naming the field.
 */
export function execProcessSpec(
  p: OciProcess,
  container: StoredState,
): Omit<ExecProcessSpec, 'namespaces' | 'stdio' | 'pdeathSignal'> {
  refuseUnknown(p as unknown as Record<string, unknown>, EXEC_PROCESS, 'process');
  if (!Array.isArray(p.args) || p.args.length === 0 || !p.args.every((a) => typeof a === 'string'))
    throw invalidConfig('process.args', 'must name a program');
  if (typeof p.cwd !== 'string' || !isAbsolute(p.cwd))
    throw invalidConfig('process.cwd', 'must be an absolute path');
  const u = p.user as OciProcess['user'] | undefined;
  if (u === undefined || !Number.isInteger(u.uid) || !Number.isInteger(u.gid))
    throw invalidConfig('process.user', 'uid and gid are required');
  refuseUnknown(
    u as unknown as Record<string, unknown>,
    ['uid', 'gid', 'umask', 'additionalGids'],
    'process.user',
  );

  const base = container.process;
  const caps = p.capabilities ?? base?.capabilities ?? {};
  const rlimits = p.rlimits !== undefined && p.rlimits.length > 0 ? p.rlimits : base?.rlimits;
  const oomScoreAdj = p.oomScoreAdj ?? base?.oomScoreAdj;
  return {
    args: p.args,
    env: p.env ?? [],
    cwd: p.cwd,
    user: {
      uid: u.uid,
      gid: u.gid,
      ...(u.additionalGids === undefined ? {} : { additionalGids: u.additionalGids }),
      ...(u.umask === undefined ? {} : { umask: u.umask }),
    },
    // An absent set is an empty set (config.md), not docker's default.
    capabilities: {
      bounding: caps.bounding ?? [],
      effective: caps.effective ?? [],
      permitted: caps.permitted ?? [],
      inheritable: caps.inheritable ?? [],
      ambient: caps.ambient ?? [],
    },
    noNewPrivileges: p.noNewPrivileges === true,
    rlimits: rlimits ?? [],
    terminal: p.terminal === true,
    ...(oomScoreAdj === undefined ? {} : { oomScoreAdj }),
    ...(container.seccomp === undefined ? {} : { seccomp: container.seccomp }),
  };
}
