import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  containersDir,
  createContainerState,
  listContainerStates,
  newContainerId,
} from './container-state.js';
import { sweepStaleContainers } from './stale-sweep.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'iza-sweep-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** The state a run killed with SIGKILL leaves: its owner no longer runs. */
function deadRun(): string {
  const id = newContainerId();
  const dir = join(containersDir(root), id);
  mkdirSync(dir, { recursive: true });
  const owner = { pid: 2 ** 22 + 1, startTime: '1' };
  writeFileSync(join(dir, 'state.json'), JSON.stringify({ id, name: id, image: 'i', owner }));
  return id;
}

describe('sweepStaleContainers', () => {
  it('removes dead runs and asks to sweep the cgroups of those runs only', async () => {
    const dead = deadRun();
    const live = createContainerState(root, { id: newContainerId(), name: 'web', image: 'i' });
    const asked: string[][] = [];

    const undone = await sweepStaleContainers(root, async (ids) => {
      asked.push([...ids]);
    });

    expect(undone.map((s) => s.id)).toEqual([dead]);
    // Not the live run's, nor any other: the cgroup directories are shared by every root.
    expect(asked).toEqual([[dead]]);
    expect(listContainerStates(root).map((s) => s.id)).toEqual([live.state.id]);
  });

  it('sweeps no cgroup when this root has no dead run', async () => {
    createContainerState(root, { id: newContainerId(), name: 'web', image: 'i' });
    const asked: string[][] = [];

    await sweepStaleContainers(root, async (ids) => {
      asked.push([...ids]);
    });

    expect(asked).toEqual([]);
  });
});
