import { describe, it, expect, afterEach, beforeEach } from '@jest/globals';
import { readdir } from 'node:fs/promises';
import { overlaySupported } from './index.js';
import { makeTempDir } from './test-support/layer-builder.js';

const isRoot = process.getuid?.() === 0;

let tmp: { dir: string; cleanup: () => Promise<void> };

beforeEach(async () => {
  tmp = await makeTempDir('probe');
});

afterEach(async () => {
  await tmp.cleanup();
});

describe('overlaySupported', () => {
  // This project's machines are root with overlayfs; elsewhere the probe must say why not.
  (isRoot ? it : it.skip)(
    'says yes on this host and leaves nothing in the scratch dir',
    async () => {
      expect(await overlaySupported(tmp.dir)).toEqual({ ok: true });
      expect(await readdir(tmp.dir)).toEqual([]);
    },
  );

  (isRoot ? it.skip : it)('gives a reason when the probe mount is refused', async () => {
    const result = await overlaySupported(tmp.dir);
    expect(result.ok).toBe(false);
    expect(result.reason).toMatch(/overlay mount failed/);
  });
});
