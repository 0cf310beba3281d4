import { describe, it, expect, jest, beforeEach, afterEach } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir } from './test-support/layer-builder.js';

// Simulates a kernel without overlayfs: the overlay mount attempt is the one thing replaced.
jest.unstable_mockModule('./overlay-attempt.js', () => ({
  mountOverlayAdaptive: async () => ({ ok: false, reason: 'overlay mount failed: ENODEV' }),
}));

const { mountRootfs, COPY_FALLBACK_WARNING } = await import('./mount-rootfs.js');
const { buildLayer } = await import('./test-support/layer-builder.js');

let tmp: { dir: string; cleanup: () => Promise<void> };

beforeEach(async () => {
  tmp = await makeTempDir('auto');
});

afterEach(async () => {
  await tmp.cleanup();
});

describe('auto driver without overlayfs', () => {
  it('falls back to copy and warns with the line users know', async () => {
    const layer = await buildLayer(join(tmp.dir, 'l0'), [
      { path: 'f', type: 'file', content: 'x' },
    ]);
    const warnings: string[] = [];

    const rootfs = await mountRootfs({
      layers: [layer],
      containerDir: join(tmp.dir, 'c'),
      driver: 'auto',
      onWarning: (m) => warnings.push(m),
    });

    expect(rootfs.driver).toBe('copy');
    expect(warnings).toEqual(['OverlayFS not available, using copy fallback']);
    expect(COPY_FALLBACK_WARNING).toBe(warnings[0]);
    expect(await readFile(join(rootfs.path, 'f'), 'utf8')).toBe('x');
    await rootfs.release();
  });

  it('fails with the reason when overlay is demanded', async () => {
    await expect(
      mountRootfs({ layers: [], containerDir: join(tmp.dir, 'c'), driver: 'overlay' }),
    ).rejects.toMatchObject({
      code: 'ERR_IZA_OVERLAY_MOUNT_FAILED',
      message: 'overlayfs is not usable: overlay mount failed: ENODEV',
    });
  });
});
