import { loadBinding } from './load.js';
import { ContainerSpecError } from './spawn-errors.js';

/** A user resolved against the image: what `ContainerProcessSpec.user` takes, plus HOME. */
export interface ResolvedUser {
  uid: number;
  gid: number;
  /** The primary gid, the groups that list the user (implicit form only), then `groupAdd`. */
  additionalGids: number[];
  /** From /etc/passwd; `/` when the user has no entry (runc fills HOME from it). */
  home: string;
}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

const MAX_ID = 2 ** 31 - 1;
const FILE_LIMIT = 4 * 1024 * 1024;

function parseId(text: string): number | undefined {
  if (!/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  if (n > MAX_ID) {
    throw new ContainerSpecError(
      'ERR_IZA_NATIVE_INVALID_USER',
      `id ${text} is outside 0-${MAX_ID}`,
    );
  }
  return n;
}

function lines(text: string | null): string[][] {
  if (text === null) return [];
  return text
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .map((l) => l.split(':'));
}

/** /etc/passwd entries; malformed lines are skipped, as moby/sys/user does. */
export function parsePasswd(text: string | null): PasswdEntry[] {
  return lines(text).flatMap((f) => {
    const uid = /^\d+$/.test(f[2] ?? '') ? Number(f[2]) : NaN;
    const gid = /^\d+$/.test(f[3] ?? '') ? Number(f[3]) : NaN;
    if (f.length < 4 || Number.isNaN(uid) || Number.isNaN(gid)) return [];
    return [{ name: f[0] ?? '', uid, gid, home: f[5] ?? '' }];
  });
}

/** /etc/group entries. */
export function parseGroup(text: string | null): GroupEntry[] {
  return lines(text).flatMap((f) => {
    const gid = /^\d+$/.test(f[2] ?? '') ? Number(f[2]) : NaN;
    if (f.length < 3 || Number.isNaN(gid)) return [];
    const members = (f[3] ?? '').split(',').filter((m) => m !== '');
    return [{ name: f[0] ?? '', gid, members }];
  });
}

function findGroup(groups: GroupEntry[], spec: string): number {
  const byName = groups.find((g) => g.name === spec);
  if (byName) return byName.gid;
  const id = parseId(spec);
  if (id !== undefined) return id;
  throw new ContainerSpecError(
    'ERR_IZA_NATIVE_GROUP_NOT_FOUND',
    `unable to find group ${spec}: no matching entries in group file`,
  );
}

/**
 * Resolves a docker `--user` value (`""`, `name`, `uid`, `name:group`, `uid:gid`...) against
 * the image's /etc/passwd and /etc/group, per moby/sys/user GetExecUser: a name must exist, a
 * number without an entry is used as is with gid 0, an explicit group sets the gid, and only the
 * implicit form adds the groups that list the user. The files are read with openat2
 * RESOLVE_IN_ROOT: a symlink in the image cannot make iza read a host file.
 */
export function resolveUser(
  rootfs: string,
  userSpec: string,
  options: { groupAdd?: readonly string[]; readFile?: (path: string) => string | null } = {},
): ResolvedUser {
  const read =
    options.readFile ??
    ((path: string) =>
      loadBinding().readFileInRoot(rootfs, path, FILE_LIMIT)?.toString('utf8') ?? null);
  // As docker's (moby/sys/user GetExecUser): an empty user is the default one, uid 0, and an
  // empty group the user's own (`app:` is `app`, `:50` is root with group 50).
  const [spec = '', given] = userSpec.split(':', 2);
  const userPart = spec === '' ? '0' : spec;
  const groupPart = given === '' ? undefined : given;

  const passwd = parsePasswd(read('/etc/passwd'));
  const uidArg = parseId(userPart);
  const entry = passwd.find((p) => (uidArg === undefined ? p.name === userPart : p.uid === uidArg));
  if (!entry && uidArg === undefined) {
    throw new ContainerSpecError(
      'ERR_IZA_NATIVE_USER_NOT_FOUND',
      `unable to find user ${userPart}: no matching entries in passwd file`,
    );
  }

  const groups = parseGroup(read('/etc/group'));
  const uid = entry?.uid ?? (uidArg as number);
  const gid = groupPart !== undefined ? findGroup(groups, groupPart) : (entry?.gid ?? 0);
  const supplementary =
    groupPart === undefined && entry
      ? groups.filter((g) => g.members.includes(entry.name)).map((g) => g.gid)
      : [];
  const added = (options.groupAdd ?? []).map((g) => findGroup(groups, g));

  const additionalGids = [...new Set([gid, ...supplementary, ...added])];
  return { uid, gid, additionalGids, home: entry?.home || '/' };
}
