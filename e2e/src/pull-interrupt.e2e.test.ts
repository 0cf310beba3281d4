import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { lines, parseImageRows } from './harness/cli-output.js';
import { iza } from './harness/iza.js';
import { makeIzaRoot, removeIzaRoot } from './harness/iza-root.js';
import { mountsUnder } from './harness/mountinfo.js';
import { startSlowProxy, type SlowProxy } from './harness/slow-proxy.js';
import { fixture, suiteState } from './harness/suite-state.js';

// A pull killed with SIGKILL half-way (no chance to clean up) must leave a store that lists no
// half image, and the next pull must complete. The registry sits behind a throttling proxy so
// the kill lands inside the 25 MB layer, at a byte count the test chooses.

let root: string;
let proxy: SlowProxy;
const KILL_AFTER_BYTES = 6 * 1024 * 1024;

beforeAll(async () => {
  root = await makeIzaRoot('pull-interrupt');
  proxy = await startSlowProxy({ target: suiteState().registry.host, bytesPerSecond: 4 << 20 });
});

afterAll(async () => {
  await proxy.close();
  expect(await removeIzaRoot(root)).toEqual([]);
});

async function killWhenBytes(pid: () => number | undefined, done: () => boolean) {
  while (!done()) {
    const target = pid();
    if (target !== undefined && proxy.bytesDown() > KILL_AFTER_BYTES) {
      process.kill(target, 'SIGKILL');
      return true;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

describe('a pull killed half-way', () => {
  const ref = () => `${proxy.host}/layers-exact:step4`;

  it('is killed while the big layer is still downloading', async () => {
    let pid: number | undefined;
    let finished = false;
    const pull = iza(['pull', ref()], { root, onSpawn: (p) => (pid = p) }).finally(() => {
      finished = true;
    });
    const killed = await killWhenBytes(
      () => pid,
      () => finished,
    );
    const result = await pull;

    expect({ killed, signal: result.signal }).toEqual({ killed: true, signal: 'SIGKILL' });
  });

  it('leaves no half image in iza images and no mount', async () => {
    const result = await iza(['images', '--format', 'json'], { root });

    expect(result).toMatchObject({ exitCode: 0 });
    expect(parseImageRows(result.stdout)).toEqual([]);
    expect(mountsUnder(root)).toEqual([]);
  });

  it('completes on the next pull', async () => {
    const result = await iza(['pull', ref()], { root, timeout: 170_000 });

    expect(result).toMatchObject({ exitCode: 0 });
    expect(lines(result.stdout)).toContain(`Digest: ${fixture('layers-exact:step4').digest}`);
    const rows = parseImageRows((await iza(['images', '--format', 'json'], { root })).stdout);
    expect(rows).toContainEqual(
      expect.objectContaining({ Repository: `${proxy.host}/layers-exact`, Tag: 'step4' }),
    );
  });
});

// A download can finish and the process die before the layer is committed: the partial file
// then holds every byte. The next pull must not ask docker-registry for `Range: bytes=<size>-`,
// which it answers 416 (Go's http.ServeContent).
describe('a pull killed after every byte of a layer arrived', () => {
  let again: string;

  beforeAll(async () => {
    again = await makeIzaRoot('pull-complete-partial');
  });

  afterAll(async () => {
    expect(await removeIzaRoot(again)).toEqual([]);
  });

  it('completes on the next pull', async () => {
    const image = fixture('minimal:latest');
    const blob = (digest: string) => join(image.layout, 'blobs/sha256', digest.slice(7));
    const index = JSON.parse(await readFile(join(image.layout, 'index.json'), 'utf8')) as {
      manifests: { digest: string; annotations?: Record<string, string> }[];
    };
    const entry = index.manifests.find(
      (m) => m.annotations?.['org.opencontainers.image.ref.name'] === image.layoutTag,
    );
    if (entry === undefined) throw new Error(`no ${image.layoutTag} in ${image.layout}`);
    const manifest = JSON.parse(await readFile(blob(entry.digest), 'utf8')) as {
      layers: { digest: string }[];
    };
    const layer = manifest.layers[0]?.digest ?? '';
    await mkdir(join(again, 'tmp'), { recursive: true });
    await copyFile(blob(layer), join(again, 'tmp', `blob~${layer.slice(7)}.partial`));

    const result = await iza(['pull', image.ref], { root: again });

    expect(result).toMatchObject({ exitCode: 0 });
    expect(lines(result.stdout)).toContain(`Digest: ${image.digest}`);
  });
});
