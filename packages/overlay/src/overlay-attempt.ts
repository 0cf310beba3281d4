import { rm } from 'node:fs/promises';
import { join } from 'node:path';

import { HARDENED_OPTIONS } from './overlay-probe.js';
import { mountOverlay } from './overlay-driver.js';
import type { OverlayMountResult } from './overlay-driver.js';

/**
 * Option sets to try, best first. `volatile` (Linux 5.10) skips every sync of the upper
 * directory: a container's upper dir is thrown away when it exits, and without it the unmount
 * waits for the upper filesystem to flush (overlayfs.rst, "Volatile mount").
 */
const WRITABLE_SETS = [[...HARDENED_OPTIONS, 'volatile'], HARDENED_OPTIONS, []];
const READONLY_SETS = [HARDENED_OPTIONS, []];

const accepted = new Map<boolean, string[]>();

export type OverlayAttempt =
  { ok: true; result: OverlayMountResult } | { ok: false; reason: string };

/**
 * Mounts the overlay with the best option set this kernel accepts, remembering it for the rest
 * of the process. No probe mount first: the real mount is the probe, which saves a mount and an
 * unmount on every container start. Returns the failure instead of throwing, so `auto` can fall
 * back to copying.
 */
export async function mountOverlayAdaptive(
  layers: string[],
  containerDir: string,
  readonly: boolean,
): Promise<OverlayAttempt> {
  const known = accepted.get(readonly);
  const sets = known ? [known] : readonly ? READONLY_SETS : WRITABLE_SETS;

  let last: unknown;
  for (const options of sets) {
    try {
      const result = await mountOverlay(layers, containerDir, readonly, options);
      accepted.set(readonly, options);
      return { ok: true, result };
    } catch (err) {
      last = err;
      // A failed attempt may leave the overlay's work dir half set up; start the next clean.
      await rm(join(containerDir, 'work'), { recursive: true, force: true });
    }
  }
  return { ok: false, reason: `overlay mount failed: ${describe(last)}` };
}

function describe(err: unknown): string {
  const messages: string[] = [];
  for (let e: unknown = err; e instanceof Error && messages.length < 4; e = e.cause) {
    messages.push(e.message);
  }
  return messages.join(': ') || String(err);
}
