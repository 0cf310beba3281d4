import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';

import { containerState, createContainer, deleteContainer, startContainer } from './index.js';
import type { OciHook } from './index.js';

import { eventually, makeTestBundle, type TestBundle } from './test-support/bundle.js';

const isRoot = process.getuid?.() === 0;
const describeRoot = isRoot ? describe : describe.skip;

let tb: TestBundle;
let id = '';
let n = 0;

const logFile = () => join(tb.dir, 'hooks.log');
const logLines = () =>
  existsSync(logFile()) ? readFileSync(logFile(), 'utf8').trim().split('\n') : [];

/** A host hook that appends `<name> <where the init's root is>` to the log. */
function probe(name: string): OciHook {
  // The init's pid from the state on stdin; its root is the rootfs only after pivot_root.
  const script = `pid=$(sed 's/.*"pid":\\([0-9]*\\).*/\\1/')
if [ /proc/$pid/root/ -ef ${tb.rootfs} ]; then where=pivoted; else where=host-root; fi
echo "${name} $where" >> ${logFile()}`;
  return { path: '/bin/sh', args: ['sh', '-c', script] };
}

const appending = (line: string): OciHook => ({
  path: '/bin/sh',
  args: ['sh', '-c', `echo ${line} >> ${logFile()}`],
});
const failing: OciHook = { path: '/bin/sh', args: ['sh', '-c', 'echo broken >&2; exit 1'] };

describeRoot('hook order (root, busybox bundle)', () => {
  beforeEach(() => {
    tb = makeTestBundle();
    id = `oci-hooks-${process.pid}-${++n}`;
  });

  afterEach(async () => {
    await deleteContainer({ root: tb.stateRoot, id, force: true }).catch(() => undefined);
    tb.remove();
  });

  it('runs prestart, createRuntime, then createContainer, all before pivot_root', async () => {
    tb.writeConfig(['true'], (s) => {
      s.hooks = {
        createContainer: [probe('createContainer')],
        createRuntime: [probe('createRuntime')],
        prestart: [probe('prestart1'), probe('prestart2')],
      };
    });

    await createContainer({ root: tb.stateRoot, id, bundle: tb.bundle });

    expect(logLines()).toEqual([
      'prestart1 host-root',
      'prestart2 host-root',
      'createRuntime host-root',
      'createContainer host-root',
    ]);
  });

  it('returns from start, and runs poststart hooks, only once the program was executed', async () => {
    const comm = `pid=$(sed 's/.*"pid":\\([0-9]*\\).*/\\1/'); cat /proc/$pid/comm >> ${logFile()}`;
    tb.writeConfig(['sleep', '100'], (s) => {
      s.hooks = {
        // Holds the init between start's byte and its execve.
        startContainer: [{ path: '/bin/sleep', args: ['sleep', '1'] }],
        poststart: [{ path: '/bin/sh', args: ['sh', '-c', comm] }],
      };
    });
    const created = await createContainer({ root: tb.stateRoot, id, bundle: tb.bundle });

    await startContainer({ root: tb.stateRoot, id });

    expect(readFileSync(`/proc/${created.pid}/comm`, 'utf8')).toBe('sleep\n');
    expect(logLines()).toEqual(['sleep']);
  });

  it('goes on after a failing poststart or poststop hook, with one warning each', async () => {
    tb.writeConfig(['true'], (s) => {
      s.hooks = {
        poststart: [failing, appending('poststart-after')],
        poststop: [failing, appending('poststop-after')],
      };
    });
    const warnings: string[] = [];
    const onWarning = (m: string) => warnings.push(m);
    await createContainer({ root: tb.stateRoot, id, bundle: tb.bundle });

    await startContainer({ root: tb.stateRoot, id, onWarning });
    expect(
      await eventually(() => containerState({ root: tb.stateRoot, id }).status === 'stopped'),
    ).toBe(true);
    await deleteContainer({ root: tb.stateRoot, id, onWarning });

    expect(logLines()).toEqual(['poststart-after', 'poststop-after']);
    expect(warnings).toEqual([
      'poststart hook /bin/sh exited with status 1: broken',
      'poststop hook /bin/sh exited with status 1: broken',
    ]);
  });

  it('fails create when a prestart hook fails, before any createContainer hook, leaving nothing', async () => {
    tb.writeConfig(['sleep', '100'], (s) => {
      s.hooks = { prestart: [failing], createContainer: [appending('createContainer')] };
    });
    await expect(
      createContainer({ root: tb.stateRoot, id, bundle: tb.bundle }),
    ).rejects.toMatchObject({
      cause: expect.objectContaining({ message: expect.stringContaining('prestart hook') }),
    });
    expect(logLines()).toEqual([]);
    expect(existsSync(join(tb.stateRoot, id))).toBe(false);
  });
});
