#!/usr/bin/env node
// Run benchmark: `/bin/true` in a container by iza, podman, runc and crun on the same images
// from one local registry, timed side by side with hyperfine. Not a test: it prints numbers.
// Usage and what it measures: tools/bench/README.md.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { makeBundle } from '../lib/bundle.mjs';
import { summarizeProfile } from '../lib/cpu-profile.mjs';
import { busyboxImage, debianImage, pushImage } from '../lib/images.mjs';
import { probe, run } from '../lib/proc.mjs';
import { startRegistry } from '../lib/registry.mjs';
import { fmt, machineLine, ratio, table } from '../lib/stats.mjs';
import { IZA, confinedPodman, createWorkspace, izaVersion } from '../lib/workspace.mjs';

const { values: opt } = parseArgs({
  options: {
    runs: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '3' },
    images: { type: 'string', default: 'busybox,debian' },
    profile: { type: 'boolean', default: false },
    json: { type: 'string' },
  },
});
const log = (msg) => process.stderr.write(`[bench] ${msg}\n`);
const read = (p) => readFileSync(p, 'utf8');
const IMAGES = { busybox: busyboxImage, debian: debianImage };

/** Runs one runtime once on `bundle`; `{ ok, err }` (crun refuses some hybrid-cgroup hosts). */
function tryRuntime(bin, state, bundle) {
  return probe(bin, ['--root', state, 'run', '--bundle', bundle, `probe-${process.pid}`]);
}

/** hyperfine over `cmds` ([{ name, argv }]); returns its results keyed by name. */
function hyperfine(cmds, jsonPath, env) {
  const args = ['-N', '--warmup', opt.warmup, '--runs', opt.runs, '--export-json', jsonPath];
  for (const c of cmds) args.push('-n', c.name, c.argv.join(' '));
  // hyperfine's own report goes to stderr with the progress: stdout carries only our tables.
  run('hyperfine', [...args, '--style', 'basic'], { env, stdio: ['ignore', 2, 2] });
  return JSON.parse(read(jsonPath)).results;
}

/** `node --cpu-prof` of one `iza run`, summarised by package. */
function profileIza(dir, argv) {
  const profDir = mkdtempSync(join(dir, 'prof-'));
  const main = join(dirname(IZA), 'packages', 'cli', 'dist', 'bin', 'iza.js');
  const t0 = performance.now();
  run('node', ['--cpu-prof', '--cpu-prof-dir', profDir, main, ...argv]);
  const wallMs = performance.now() - t0;
  const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
  return { wallMs, ...summarizeProfile(join(profDir, file)) };
}

async function main() {
  const ws = createWorkspace();
  const results = { machine: machineLine(read), iza: izaVersion(), notes: [], images: [] };
  try {
    const registry = await startRegistry(ws.dir);
    ws.onCleanup(() => registry.stop());
    log(`registry ${registry.host} (pid ${registry.pid}), work dir ${ws.dir}`);

    const izaRoot = join(ws.dir, 'iza');
    const state = (name) => {
      const d = join(ws.dir, name);
      mkdirSync(d, { recursive: true });
      return d;
    };
    const images = [];
    for (const name of opt.images.split(',')) {
      const image = await IMAGES[name](log);
      const ref = pushImage(image, registry, name);
      run(IZA, ['--root', izaRoot, 'pull', '-q', ref]);
      const bundle = makeBundle(image, join(ws.dir, `bundle-${name}`), ['/bin/true']);
      images.push({ name, ref, bundle });
    }

    // crun 1.8 refuses hybrid cgroup hosts (HOST.md): probe it, and let podman use runc then.
    const crun = tryRuntime('crun', state('crun'), images[0].bundle);
    const runc = tryRuntime('runc', state('runc'), images[0].bundle);
    if (!runc.ok) throw new Error(`runc cannot run the bundle: ${runc.err}`);
    if (!crun.ok) results.notes.push(`crun refused to run: ${crun.err.split('\n')[0]}`);

    const podmanRuntime = crun.ok ? 'crun' : 'runc';
    const podman = confinedPodman(join(ws.dir, 'podman'), podmanRuntime);
    ws.onCleanup(() => podman.reset());
    results.notes.push(`podman runs containers with ${podmanRuntime}`);
    // podman's default RLIMIT_NOFILE and RLIMIT_NPROC (1048576, 4194304) are above this host's
    // hard limits, which the runtime cannot raise without CAP_SYS_RESOURCE (HOST.md). nproc at
    // the host's hard limit still failed in runc's init here, so it gets a plain 4096.
    const nofile = run('sh', ['-c', 'ulimit -Hn']).trim();
    const ulimit = ['--ulimit', `nofile=${nofile}:${nofile}`, '--ulimit', 'nproc=4096:4096'];
    results.notes.push(`podman runs with \`${ulimit.join(' ')}\` (its defaults exceed the host's)`);
    for (const { ref } of images) {
      run('podman', podman.args('pull', '-q', '--tls-verify=false', ref), { env: podman.env });
    }

    for (const [i, { name, ref, bundle }] of images.entries()) {
      const cmds = [
        { name: 'iza', argv: [IZA, '--root', izaRoot, 'run', '--rm', ref, '/bin/true'] },
        {
          name: `podman (${podmanRuntime})`,
          argv: [
            'podman',
            ...podman.args('run', '--rm', '--network', 'none', ...ulimit, ref, '/bin/true'),
          ],
        },
        { name: 'runc', argv: ['runc', '--root', state('runc'), 'run', '--bundle', bundle, 'b'] },
      ];
      if (crun.ok) {
        cmds.push({
          name: 'crun',
          argv: ['crun', '--root', state('crun'), 'run', '--bundle', bundle, 'b'],
        });
      }
      if (i === 0) {
        cmds.push(
          { name: 'iza (no image)', argv: [IZA, '--root', izaRoot, 'run', '--rm', '/bin/true'] },
          { name: 'iza --version', argv: [IZA, '--version'] },
        );
      }
      log(`${name}: hyperfine over ${cmds.map((c) => c.name).join(', ')}`);
      const res = hyperfine(cmds, join(ws.dir, `hyperfine-${name}.json`), podman.env);
      results.images.push({ image: name, results: res });
    }

    if (opt.profile) {
      const argv = ['--root', izaRoot, 'run', '--rm', images[0].ref, '/bin/true'];
      results.profile = profileIza(ws.dir, argv);
    }
  } finally {
    await ws.cleanup();
  }
  report(results);
}

function report(results) {
  const out = [`## Run /bin/true (${results.iza}; ${results.machine})`, ''];
  const targets = [];

  for (const { image, results: res } of results.images) {
    const find = (prefix) => res.find((r) => r.command.startsWith(prefix));
    const med = (prefix) => find(prefix)?.median;
    const podman = med('podman');
    const runc = med('runc');
    const podmanMin = find('podman')?.min;
    const rows = res.map((r) => [
      image,
      r.command,
      r.times.length,
      fmt(r.median * 1000, 1),
      fmt(r.min * 1000, 1),
      `${fmt(r.mean * 1000, 1)} ± ${fmt(r.stddev * 1000, 1)}`,
      ratio(r.median, podman),
      ratio(r.min, podmanMin),
      ratio(r.median, runc),
    ]);
    const head = ['image', 'tool', 'runs', 'median ms', 'min ms', 'mean ± sd ms'];
    out.push(table([...head, 'vs podman', 'min vs min', 'vs runc'], rows), '');

    const iza = med('iza');
    targets.push(
      `- ${image}: iza/podman ${ratio(iza, podman)} (min/min ${ratio(find('iza')?.min, podmanMin)}), ` +
        `iza/runc ${ratio(iza, runc)} ` +
        `(target iza <= 0.5x podman): ${iza <= 0.5 * podman ? 'met' : 'NOT met'}`,
    );
  }
  out.push(...results.notes.map((n) => `- ${n}`), '', '## Targets', '', ...targets);

  if (results.profile) {
    const p = results.profile;
    out.push('', `## CPU profile of one iza run (${fmt(p.wallMs, 0)} ms wall)`, '');
    const rows = (list) =>
      list.slice(0, 10).map((r) => [r.bucket, fmt(r.ms, 1), fmt(r.share * 100, 1)]);
    out.push('self time, by the function sampled:', '');
    out.push(table(['where', 'ms', '%'], rows(p.self)), '');
    out.push(
      'charged to the nearest iza or npm frame (node internals count for their caller):',
      '',
    );
    out.push(table(['who', 'ms', '%'], rows(p.charged)));
  }
  process.stdout.write(`${out.join('\n')}\n`);
  if (opt.json) writeFileSync(opt.json, JSON.stringify(results, null, 2));
}

await main();
