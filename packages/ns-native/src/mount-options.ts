/**
 * OCI / mount(8) option strings to mount(2) arguments. Flag values are the Linux ABI
 * (linux/mount.h), fixed forever, so this parser needs no addon and is unit-tested anywhere.
 */
export const MountFlags = {
  MS_RDONLY: 0x1,
  MS_NOSUID: 0x2,
  MS_NODEV: 0x4,
  MS_NOEXEC: 0x8,
  MS_SYNCHRONOUS: 0x10,
  MS_REMOUNT: 0x20,
  MS_MANDLOCK: 0x40,
  MS_DIRSYNC: 0x80,
  MS_NOATIME: 0x400,
  MS_NODIRATIME: 0x800,
  MS_BIND: 0x1000,
  MS_REC: 0x4000,
  MS_UNBINDABLE: 0x20000,
  MS_PRIVATE: 0x40000,
  MS_SLAVE: 0x80000,
  MS_SHARED: 0x100000,
  MS_RELATIME: 0x200000,
  MS_STRICTATIME: 0x1000000,
} as const;

const F = MountFlags;

/** Options that set (`true`) or clear (`false`) a flag. */
const flagOptions: Record<string, [number, boolean]> = {
  ro: [F.MS_RDONLY, true],
  rw: [F.MS_RDONLY, false],
  nosuid: [F.MS_NOSUID, true],
  suid: [F.MS_NOSUID, false],
  nodev: [F.MS_NODEV, true],
  dev: [F.MS_NODEV, false],
  noexec: [F.MS_NOEXEC, true],
  exec: [F.MS_NOEXEC, false],
  sync: [F.MS_SYNCHRONOUS, true],
  async: [F.MS_SYNCHRONOUS, false],
  dirsync: [F.MS_DIRSYNC, true],
  mand: [F.MS_MANDLOCK, true],
  nomand: [F.MS_MANDLOCK, false],
  noatime: [F.MS_NOATIME, true],
  atime: [F.MS_NOATIME, false],
  nodiratime: [F.MS_NODIRATIME, true],
  diratime: [F.MS_NODIRATIME, false],
  relatime: [F.MS_RELATIME, true],
  norelatime: [F.MS_RELATIME, false],
  strictatime: [F.MS_STRICTATIME, true],
  nostrictatime: [F.MS_STRICTATIME, false],
  bind: [F.MS_BIND, true],
  rbind: [F.MS_BIND | F.MS_REC, true],
};

const propagationOptions: Record<string, number> = {
  private: F.MS_PRIVATE,
  rprivate: F.MS_PRIVATE | F.MS_REC,
  slave: F.MS_SLAVE,
  rslave: F.MS_SLAVE | F.MS_REC,
  shared: F.MS_SHARED,
  rshared: F.MS_SHARED | F.MS_REC,
  unbindable: F.MS_UNBINDABLE,
  runbindable: F.MS_UNBINDABLE | F.MS_REC,
};

export interface ParsedMountOptions {
  flags: number;
  /** A propagation change made after the mount, or 0. The last one given wins. */
  propagation: number;
  /** Filesystem-specific options (`size=64m,mode=755`), or null. */
  data: string | null;
  bind: boolean;
}

/** Splits OCI mount options into flags, propagation and fs data, as runc's parseMountOptions. */
export function parseMountOptions(options: readonly string[]): ParsedMountOptions {
  let flags = 0;
  let propagation = 0;
  const data: string[] = [];

  for (const option of options) {
    const flag = flagOptions[option];
    const prop = propagationOptions[option];
    if (flag) flags = flag[1] ? flags | flag[0] : flags & ~flag[0];
    else if (prop !== undefined) propagation = prop;
    else if (option !== 'defaults') data.push(option);
  }

  return {
    flags,
    propagation,
    data: data.length > 0 ? data.join(',') : null,
    bind: (flags & F.MS_BIND) !== 0,
  };
}

/** The mount(2) flags of a propagation name (`rprivate` = MS_PRIVATE | MS_REC). */
export function propagationFlags(name: string): number | undefined {
  return propagationOptions[name];
}
