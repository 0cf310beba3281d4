/**
 * The overlay mount data must fit in one page: mount(2) copies at most PAGE_SIZE bytes of it
 * (fs/namespace.c copy_mount_options), and overlay's legacy parser sees only that copy.
 */
export const MOUNT_DATA_LIMIT = 4095;

/** overlayfs refuses more lower layers than this (fs/overlayfs/params.h OVL_MAX_STACK). */
export const OVERLAY_MAX_STACK = 500;

/** What an overlay mount is built from. */
export interface OverlayDataInput {
  /** Lower directories as the kernel should see them, bottom → top. */
  lowers: string[];
  upper?: string;
  work?: string;
  /** Extra options placed before the directories (`index=off`...). */
  options: string[];
}

/**
 * True when `path` can stand verbatim in overlay mount data. The kernel splits the data on `,`
 * and lowerdir on `:`, with `\` as the escape (overlayfs.rst); rather than escape, callers use
 * an fd path for such directories.
 */
export function isPlainOverlayPath(path: string): boolean {
  return !/[,:\\]/.test(path);
}

/** The mount data string: options, then `lowerdir` top → bottom, then upper and work dirs. */
export function buildOverlayData(input: OverlayDataInput): string {
  const parts = [...input.options];
  parts.push(`lowerdir=${[...input.lowers].reverse().join(':')}`);
  if (input.upper !== undefined) parts.push(`upperdir=${input.upper}`);
  if (input.work !== undefined) parts.push(`workdir=${input.work}`);

  return parts.join(',');
}
