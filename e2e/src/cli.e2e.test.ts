import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { release } from 'node:os';
import { failureReport } from './harness/cli-output.js';
import { iza } from './harness/iza.js';
import { makeIzaRoot, removeIzaRoot } from './harness/iza-root.js';
import { readMounts } from './harness/mountinfo.js';

// The CLI surface that needs no image: version, help, usage errors and `iza info`.

let root: string;

beforeAll(async () => {
  root = await makeIzaRoot('cli');
});

afterAll(async () => {
  expect(await removeIzaRoot(root)).toEqual([]);
});

/** Where this host mounts the v1 hierarchy holding `controller`, from mountinfo. */
function v1MountOf(controller: string): string | undefined {
  return readMounts().find(
    (m) => m.fsType === 'cgroup' && m.superOptions.split(',').includes(controller),
  )?.mountPoint;
}

describe('iza', () => {
  it('prints its version with --version', async () => {
    const result = await iza(['--version']);
    expect(result).toMatchObject({ exitCode: 0 });
    expect(result.stdout).toMatch(/\b\d+\.\d+\.\d+\b/);
  });

  it('lists every command in --help', async () => {
    const result = await iza(['--help']);

    expect(result).toMatchObject({ exitCode: 0 });
    for (const command of [
      'pull',
      'images',
      'rmi',
      'run',
      'info',
      'login',
      'logout',
      'save',
      'load',
    ]) {
      expect(result.stdout).toMatch(new RegExp(`\\b${command}\\b`));
    }
  });

  it('exits non-zero with one error line for an unknown command', async () => {
    const report = failureReport(await iza(['no-such-command'], { root }));
    expect(report.exitCode).not.toBe(0);
    expect(report).toMatchObject({ stackFrames: [] });
  });
});

describe('iza info --format json', () => {
  // The keys are API (engine/src/info.ts InfoReport); this is what scripts may rely on.
  let report: {
    kernel: string;
    root: boolean;
    storage: { root: string; driver: string; overlay: { supported: boolean } };
    cgroups: { controllers: Record<string, { version: number; mountPoint: string }> };
    namespaces: Record<string, boolean>;
  };

  beforeAll(async () => {
    const result = await iza(['info', '--format', 'json'], { root });
    expect(result).toMatchObject({ exitCode: 0 });
    report = JSON.parse(result.stdout);
  });

  it('reports the kernel, root and the storage root and driver', () => {
    expect(report.kernel).toBe(release());
    expect(report.root).toBe(process.getuid?.() === 0);
    expect(report.storage).toMatchObject({ root, driver: 'overlay', overlay: { supported: true } });
  });

  it('says memory, cpu and pids are cgroup v1 on this hybrid host, with their mounts', () => {
    // This project's machines are hybrid (HOST.md); on a pure v2 host these would say 2.
    const hybrid = readFileSync('/proc/self/mountinfo', 'utf8').includes(' - cgroup ');
    expect(hybrid).toBe(true);
    for (const controller of ['memory', 'cpu', 'pids']) {
      expect(report.cgroups.controllers[controller]).toMatchObject({
        version: 1,
        mountPoint: v1MountOf(controller),
      });
    }
  });

  it('lists the namespaces by their /proc/self/ns names, all available here', () => {
    for (const ns of ['pid', 'net', 'mnt', 'uts', 'ipc', 'user', 'cgroup']) {
      expect(report.namespaces[ns]).toBe(true);
    }
  });
});
