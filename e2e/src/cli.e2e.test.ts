import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
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

  // STYLE.md: positionals in UPPERCASE, one line per option with its default, an example each;
  // docker's layout: usage, positionals, the command's options, then the global ones.
  it.each([
    'run',
    'pull',
    'images',
    'rmi',
    'save',
    'load',
    'login',
    'logout',
    'info',
    'image',
    'image inspect',
    'image mount',
    'image umount',
    'image prune',
    'image ls',
    'image rm',
  ])("prints the help of iza %s in docker's layout", async (name) => {
    const command = name.split(' ');
    const result = await iza([...command, '--help']);

    expect(result).toMatchObject({ exitCode: 0, stderr: '' });
    const out = result.stdout;
    expect(out.split('\n')[0]).toMatch(new RegExp(`^Usage: iza ${command.join(' ')}\\b`));
    expect(out).not.toMatch(/<[a-z]+(\.\.)?>|\[[a-z]+\.\.\]/);
    expect(out).toContain('Examples:');
    const globals = out.indexOf('Global Options:');
    expect(globals).toBeGreaterThan(0);
    expect(out.indexOf('--root')).toBeGreaterThan(globals);
    const own = out.indexOf('\nOptions:');
    if (own >= 0) expect(own).toBeLessThan(globals);
  });

  it('shows IMAGE and the command as positionals of iza run, its options before the globals', async () => {
    const out = (await iza(['run', '--help'])).stdout;

    expect(out.split('\n')[0]).toBe(
      'Usage: iza run [OPTIONS] IMAGE|/HOST/BINARY [COMMAND] [ARG...]',
    );
    expect(out).toMatch(/^ {2}IMAGE {2,}/m);
    expect(out.indexOf('--rm')).toBeLessThan(out.indexOf('Global Options:'));
  });

  it('exits non-zero with one error line for an unknown command', async () => {
    const report = failureReport(await iza(['no-such-command'], { root }));
    expect(report.exitCode).not.toBe(0);
    expect(report).toMatchObject({ stackFrames: [] });
  });

  // V8 refuses a startup snapshot when its flags differ from the build's (node exits 14): a
  // NODE_OPTIONS with a V8 flag, common in CI setups, must send iza to its plain bundle.
  it.each([
    ['a V8 flag', '--max-old-space-size=200'],
    ['a node flag', '--no-warnings'],
  ])('starts and runs a container with %s in NODE_OPTIONS', async (_what, options) => {
    const env = { NODE_OPTIONS: options };
    expect(await iza(['--version'], { env })).toMatchObject({ exitCode: 0 });
    const result = await iza(['run', '--rm', '/bin/sh', '-c', 'echo ok'], { root, env });
    expect(result).toMatchObject({ exitCode: 0, stdout: 'ok' });
  });

  // Node 20 looks for its own --env-file anywhere in argv, after the script name too: iza's
  // --env-file (and a container command's) was read by the node running iza, as root.
  it('reads --env-file for the container, never for the node running iza', async () => {
    const marker = join(root, 'node-loaded-it');
    const script = join(root, 'hook.cjs');
    await writeFile(script, `require('fs').writeFileSync(${JSON.stringify(marker)}, 'x');\n`);
    const envFile = join(root, 'app.env');
    await writeFile(envFile, `NODE_OPTIONS=--require ${script}\nAPP=1\n`);

    const result = await iza(['run', '--env-file', envFile, '/usr/bin/env'], { root });

    expect(result).toMatchObject({ exitCode: 0 });
    expect(result.stdout.split('\n')).toEqual(
      expect.arrayContaining([`NODE_OPTIONS=--require ${script}`, 'APP=1']),
    );
    expect(readMaybe(marker)).toBeUndefined();
  });

  it.each([
    ['from its snapshot', {}],
    // A NODE_OPTIONS the env file would have set is not overridden: node wins there anyway.
    ['from its bundle', { NODE_OPTIONS: '--no-warnings' }],
  ])('reports a missing --env-file as its own one-line error (125) %s', async (_, env) => {
    const missing = join(root, 'missing.env');
    const result = await iza(['run', '--env-file', missing, '/bin/true'], { root, env });
    const report = failureReport(result);

    expect(report).toMatchObject({ exitCode: 125, stackFrames: [] });
    expect(report.errors).toEqual([`Error: cannot read env file ${missing}: no such file`]);
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

describe('iza info with a config file', () => {
  it('reports the file used, its mirrors and its insecure registries, in JSON', async () => {
    const config = join(root, 'config.json');
    await writeFile(
      config,
      JSON.stringify({
        'registry-mirrors': ['https://hub.example', 'quay.io=http://10.0.0.2:5000'],
        'insecure-registries': ['reg.lan:5000'],
      }),
    );
    const result = await iza(['--config', config, 'info', '--format', 'json'], { root });

    expect(result).toMatchObject({ exitCode: 0 });
    expect(JSON.parse(result.stdout)).toMatchObject({
      config: { path: config, found: true },
      registry: {
        mirrors: { 'docker.io': ['https://hub.example'], 'quay.io': ['http://10.0.0.2:5000'] },
        insecureRegistries: ['reg.lan:5000'],
      },
    });
  });

  it('lets the flag win a registry over the file and says so in the text report', async () => {
    const config = join(root, 'config-text.json');
    await writeFile(config, JSON.stringify({ 'registry-mirrors': ['https://hub.example'] }));
    const args = ['--registry-mirror', 'docker.io=http://127.0.0.1:5999', 'info'];
    const result = await iza(args, { root, env: { IZA_CONFIG: config } });

    expect(result).toMatchObject({ exitCode: 0 });
    const out = result.stdout.split('\n');
    expect(out).toContain(`Config File: ${config}`);
    expect(out).toContain('  docker.io: http://127.0.0.1:5999');
    expect(result.stdout).not.toContain('hub.example');
  });

  it('says when no config file was found at the default place', async () => {
    const home = join(root, 'home');
    // As root the default is /etc/iza/config.json; as another user it is under HOME.
    const expected =
      process.getuid?.() === 0 ? '/etc/iza/config.json' : `${home}/.config/iza/config.json`;
    const result = await iza(['info', '--format', 'json'], { root, env: { HOME: home } });
    if (process.getuid?.() === 0 && readMaybe('/etc/iza/config.json') !== undefined) {
      // This host has a real config file at the default place: report it, not "none".
      expect(JSON.parse(result.stdout)).toMatchObject({ config: { path: expected, found: true } });
      return;
    }
    expect(JSON.parse(result.stdout)).toMatchObject({ config: { path: expected, found: false } });
  });

  it.each([
    ['invalid JSON', '{"registry-mirrors": [', 'invalid JSON'],
    ['an unknown key', '{"registry-mirror": []}', '"registry-mirror": unknown key'],
    ['a wrong type', '{"insecure-registries": "reg.lan"}', 'insecure-registries: must be a list'],
  ])('exits 125 with one error line naming the file on %s', async (_what, text, message) => {
    const config = join(root, 'bad.json');
    await writeFile(config, text);
    const result = await iza(['--config', config, 'info'], { root });

    expect(result).toMatchObject({ exitCode: 125, stdout: '' });
    expect(result.stderr.split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(`Error: config file ${config}: ${message}`);
  });

  it('exits 125 when the file named by --config is missing', async () => {
    const config = join(root, 'missing.json');
    const result = await iza(['--config', config, 'images'], { root });

    expect(result).toMatchObject({ exitCode: 125 });
    expect(result.stderr).toBe(`Error: config file ${config}: cannot read it: no such file`);
  });
});

function readMaybe(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
