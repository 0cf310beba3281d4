import { mkdir, mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { mount, umount2, constants } from '@iza/ns-native';
import { buildOverlayData } from './overlay-data.js';

/** Result of {@link overlaySupported}. */
export interface OverlaySupport {
  ok: boolean;
  /** Why not, one line, when `ok` is false. */
  reason?: string;
}

/**
 * Options that keep untrusted layers from steering the kernel: no index (layer dirs are shared
 * between containers, as moby's overlay2 does), and redirect/metacopy xattrs found in a layer
 * are not followed (overlayfs.rst, "Permission model" and "Metadata only copy up").
 */
export const HARDENED_OPTIONS = ['index=off', 'redirect_dir=nofollow', 'metacopy=off'];

interface ProbeResult extends OverlaySupport {
  /** The option set the kernel accepted. */
  options: string[];
}

let cached: Promise<ProbeResult> | undefined;

async function tryMount(dir: string, options: string[]): Promise<void> {
  const data = buildOverlayData({
    lowers: [join(dir, 'lower')],
    upper: join(dir, 'upper'),
    work: join(dir, 'work'),
    options,
  });
  const merged = join(dir, 'merged');

  mount('overlay', merged, 'overlay', 0, data);
  try {
    // A mount that succeeds but shows nothing would be worse than a failure.
    const text = await readFile(join(merged, 'probe'), 'utf8');
    if (text !== 'iza') throw new Error('overlay mount does not show its lower layer');
  } finally {
    umount2(merged, constants().MNT_DETACH);
  }
}

async function probe(scratchDir: string): Promise<ProbeResult> {
  await mkdir(scratchDir, { recursive: true });
  const dir = await mkdtemp(join(scratchDir, '.overlay-probe-'));

  try {
    for (const sub of ['lower', 'upper', 'work', 'merged']) await mkdir(join(dir, sub));
    await writeFile(join(dir, 'lower', 'probe'), 'iza');

    try {
      await tryMount(dir, HARDENED_OPTIONS);
      return { ok: true, options: HARDENED_OPTIONS };
    } catch {
      // Older kernels reject redirect_dir/metacopy (EINVAL); the plain mount may still work.
    }

    try {
      await tryMount(dir, []);
      return { ok: true, options: [] };
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      return { ok: false, reason: `overlay mount failed: ${reason}`, options: [] };
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The probe result and accepted options, computed once per process. */
export function probeOverlay(scratchDir: string): Promise<ProbeResult> {
  cached ??= probe(scratchDir);
  return cached;
}

/**
 * Whether this process can mount OverlayFS, found by mounting a tiny overlay in a temporary
 * directory under `scratchDir` (created if missing, removed after). The answer is cached for
 * the life of the process: the first call's scratchDir is the one probed.
 */
export async function overlaySupported(scratchDir: string): Promise<OverlaySupport> {
  const result = await probeOverlay(scratchDir);
  return result.ok ? { ok: true } : { ok: false, reason: result.reason ?? 'unknown' };
}
