import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  createContainerState,
  listContainerStates,
  newContainerId,
  removeContainerDir,
} from './container-state.js';
import { identityOf, isAlive } from './process-identity.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'iza-state-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('container state', () => {
  it('records the owner so a later command can tell a dead run from a live one', () => {
    const id = newContainerId();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    const { state } = createContainerState(root, { id, name: 'web', image: 'img' });

    expect(listContainerStates(root)).toEqual([state]);
    expect(isAlive(state.owner)).toBe(true);
    removeContainerDir(root, id);
    expect(listContainerStates(root)).toEqual([]);
  });

  it('refuses a name a live container already has', () => {
    createContainerState(root, { id: newContainerId(), name: 'web', image: 'img' });
    expect(() =>
      createContainerState(root, { id: newContainerId(), name: 'web', image: 'img' }),
    ).toThrow(expect.objectContaining({ code: 'ERR_IZA_RUN_NAME_IN_USE' }));
  });

  it('tells a reused pid from the process it recorded (start time differs)', () => {
    const me = identityOf(process.pid);
    expect(me).toBeDefined();
    expect(isAlive({ pid: process.pid, startTime: '1' })).toBe(false);
    expect(isAlive({ pid: 2 ** 22 + 1, startTime: me?.startTime ?? '' })).toBe(false);
  });
});
