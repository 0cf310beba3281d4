import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';

import { containerPids, containerPsTable, OciErrorCode } from './index.js';

// A state root whose container's cgroup leaves are plain directories with a cgroup.procs file.
let dir: string;
const ref = () => ({ root: join(dir, 'state'), id: 'c1' });

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'iza-ps-'));
  const leaves = ['v1', 'v2'].map((leaf) => join(dir, leaf));
  leaves.forEach((leaf) => mkdirSync(leaf));
  writeFileSync(join(leaves[0] as string, 'cgroup.procs'), '300\n12\n');
  writeFileSync(join(leaves[1] as string, 'cgroup.procs'), '12\n300\n4000\n');
  mkdirSync(join(dir, 'state', 'c1'), { recursive: true });
  writeFileSync(
    join(dir, 'state', 'c1', 'state.json'),
    JSON.stringify({ id: 'c1', cgroupPaths: leaves }),
  );
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

const PS = `UID          PID    PPID  C STIME TTY          TIME CMD
root           1       0  0 10:00 ?        00:00:01 /sbin/init
root          12       1  0 10:00 ?        00:00:00 sleep 100
root         300      12  0 10:00 ?        00:00:00 sh -c x y
root        3000       1  0 10:00 ?        00:00:00 not 4000
root        4000       1  0 10:00 ?        00:00:00 sleep 5
`;

describe('ps', () => {
  it('json: the union of the cgroups, ascending', () => {
    expect(containerPids(ref())).toEqual([12, 300, 4000]);
  });

  it('table: the header and the lines whose PID column is the container’s, with -ef by default', () => {
    let asked: string[] = [];
    const table = containerPsTable(ref(), (args) => {
      asked = args;
      return PS;
    });
    expect(asked).toEqual(['-ef']);
    const lines = PS.split('\n');
    expect(table).toBe([lines[0], lines[2], lines[3], lines[5], ''].join('\n'));
  });

  it('table: passes ps options through and refuses output without a PID column', () => {
    let asked: string[] = [];
    containerPsTable({ ...ref(), psArgs: ['-o', 'pid,comm'] }, (args) => {
      asked = args;
      return '  PID COMMAND\n   12 sleep\n';
    });
    expect(asked).toEqual(['-o', 'pid,comm']);
    expect(() =>
      containerPsTable({ ...ref(), psArgs: ['-o', 'comm'] }, () => 'COMMAND\nsleep\n'),
    ).toThrow(expect.objectContaining({ code: OciErrorCode.Usage }));
  });
});
