import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { failureReport } from './harness/cli-output.js';
import { freePort } from './harness/free-port.js';
import { iza } from './harness/iza.js';
import { makeIzaRoot, removeIzaRoot } from './harness/iza-root.js';
import { suiteState } from './harness/suite-state.js';

// Every pull failure is one `Error:` line on stderr, a `hint:` line where iza has one, exit
// code 1, and no stack trace.

let root: string;

beforeAll(async () => {
  root = await makeIzaRoot('pull-errors');
});

afterAll(async () => {
  expect(await removeIzaRoot(root)).toEqual([]);
});

describe('iza pull errors', () => {
  it('names an unknown repository', async () => {
    const ref = `${suiteState().registry.host}/no-such/repository:latest`;
    const report = failureReport(await iza(['pull', ref], { root }));

    expect(report).toMatchObject({ exitCode: 1, stackFrames: [] });
    expect(report.errors).toHaveLength(1);
    expect(report.errors[0]).toMatch(/no-such\/repository/);
    expect(report.errors[0]).toMatch(/not found|unknown|does not exist/i);
    expect(report.hints).not.toHaveLength(0);
  });

  it('names an unknown tag', async () => {
    const ref = `${suiteState().registry.host}/minimal:no-such-tag`;
    const report = failureReport(await iza(['pull', ref], { root }));

    expect(report).toMatchObject({ exitCode: 1, stackFrames: [] });
    expect(report.errors).toHaveLength(1);
    expect(report.errors[0]).toMatch(/no-such-tag/);
    expect(report.errors[0]).toMatch(/not found|unknown/i);
    expect(report.hints).not.toHaveLength(0);
  });

  it('reports an unreachable registry quickly', async () => {
    // A port nobody listens on: connect(2) is refused at once.
    const ref = `127.0.0.1:${String(await freePort())}/minimal:latest`;
    const result = await iza(['pull', ref], { root, timeout: 60_000 });
    const report = failureReport(result);

    expect(report).toMatchObject({ exitCode: 1, stackFrames: [] });
    expect(report.errors).toHaveLength(1);
    expect(report.errors[0]).toMatch(/127\.0\.0\.1:\d+/);
    expect(report.errors[0]).toMatch(/refused|unreachable|connect/i);
    expect(report.hints).not.toHaveLength(0);
    expect(result.durationMs).toBeLessThan(30_000);
  });

  it('rejects a malformed reference as a usage error', async () => {
    const report = failureReport(await iza(['pull', 'UPPER/Case:tag'], { root }));

    expect(report.exitCode).not.toBe(0);
    expect(report).toMatchObject({ stackFrames: [] });
    expect(report.errors).toHaveLength(1);
  });

  it('leaves no image behind after the failures', async () => {
    const result = await iza(['images', '-q'], { root });
    expect(result).toMatchObject({ exitCode: 0, stdout: '' });
  });
});
