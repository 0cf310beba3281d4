import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkCase, keyed, readCase } from './case-results.js';

describe('cgroup v2 case results', () => {
  let results: string;

  beforeAll(() => {
    results = mkdtempSync(join(tmpdir(), 'iza-case-results-'));
    const dir = join(results, 'root-cpus');
    mkdirSync(dir);
    const files: Record<string, string> = {
      exit: '0\n',
      stdout: 'cpu_cs 151 wall_cs 300\n',
      stderr: '',
      seconds: '12.5\n',
      'cgroups.before': '/sys/fs/cgroup/user.slice\n',
      'cgroups.after': '/sys/fs/cgroup/user.slice\n',
      leaf: '/sys/fs/cgroup/iza/abc\n',
      'last.cpu.max': '50000 100000\n',
      'last.cpu.stat': 'usage_usec 2100113\nnr_periods 46\nnr_throttled 41\n',
      'max.pids.current': '3\n',
    };
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  });

  afterAll(() => {
    rmSync(results, { recursive: true, force: true });
  });

  it('reads what cases.sh wrote for a case', () => {
    expect(readCase(results, 'root-cpus')).toEqual({
      name: 'root-cpus',
      exitCode: 0,
      stdout: 'cpu_cs 151 wall_cs 300',
      stderr: '',
      seconds: 12.5,
      cgroupsBefore: ['/sys/fs/cgroup/user.slice'],
      cgroupsAfter: ['/sys/fs/cgroup/user.slice'],
      rmdirError: '',
      leaf: '/sys/fs/cgroup/iza/abc',
      last: {
        'cpu.max': '50000 100000',
        'cpu.stat': 'usage_usec 2100113\nnr_periods 46\nnr_throttled 41',
      },
      maxPidsCurrent: 3,
    });
  });

  it('names a case that never ran instead of failing on a missing file later', () => {
    expect(() => readCase(results, 'scope-oom')).toThrow(/case scope-oom did not run/);
  });

  it.each([
    ['usage_usec 2100113\nnr_periods 46', 'usage_usec', 2100113],
    ['usage_usec 2100113\nnr_periods 46', 'nr_periods', 46],
    ['max 100', 'max', 100],
    ['oom 1\noom_kill 1', 'oom', 1],
    ['oom_kill 1', 'oom', undefined],
    [undefined, 'max', undefined],
  ])('reads %j key %s as %s', (text, key, value) => {
    expect(keyed(text, key)).toBe(value);
  });

  it('adds the whole case to a failing assertion', () => {
    const result = readCase(results, 'root-cpus');
    expect(() =>
      checkCase(result, (r) => {
        expect(r.exitCode).toBe(137);
      }),
    ).toThrow(/case root-cpus: exit 0 after 12.5 s[\s\S]*cpu.max: 50000 100000/);
  });
});
