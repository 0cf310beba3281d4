#!/usr/bin/env node
// Pull benchmark: cold pulls of the same images from one local registry by iza, podman and
// skopeo, side by side in one run, then iza re-pulls of a present image. Not a test: it prints
// numbers. Usage and what it measures: tools/bench/README.md.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { bigImage, busyboxImage, debianImage, pushImage } from '../lib/images.mjs';
import { run, timed } from '../lib/proc.mjs';
import { freshDirs, settle } from '../lib/fresh-dirs.mjs';
import { startRegistry } from '../lib/registry.mjs';
import { fmt, machineLine, ratio, summarize, table } from '../lib/stats.mjs';
import {
  IZA,
  confinedPodman,
  createWorkspace,
  izaVersion,
  unmountUnder,
} from '../lib/workspace.mjs';

const { values: opt } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    repulls: { type: 'string', default: '10' },
    images: { type: 'string', default: 'big,debian,busybox' },
    tools: { type: 'string', default: 'iza,podman,skopeo' },
    json: { type: 'string' },
    'back-to-back': { type: 'boolean', default: false },
  },
});
const RUNS = Number(opt.runs);
const REPULLS = Number(opt.repulls);
const log = (msg) => process.stderr.write(`[bench] ${msg}\n`);
const read = (p) => readFileSync(p, 'utf8');

const IMAGES = { big: bigImage, debian: debianImage, busybox: busyboxImage };

/**
 * One cold pull by `tool` into fresh storage under `dir`; storage removed after timing, then
 * (unless --back-to-back) the disk settled so the next pull starts from a quiet machine.
 */
async function coldPull(tool, ref, tag, dir) {
  try {
    return await coldPullIn(tool, ref, tag, dir);
  } finally {
    if (!opt['back-to-back']) {
      rmSync(dir, { recursive: true, force: true });
      settle();
    }
  }
}

async function coldPullIn(tool, ref, tag, dir) {
  if (tool === 'iza') {
    const root = join(dir, 'iza');
    try {
      return await timed(IZA, ['--root', root, 'pull', '-q', ref], { sampleTree: true });
    } finally {
      unmountUnder(root);
      rmSync(root, { recursive: true, force: true });
    }
  }
  if (tool === 'podman') {
    const podman = confinedPodman(join(dir, 'podman'));
    try {
      const args = podman.args('pull', '-q', '--tls-verify=false', ref);
      return await timed('podman', args, { env: podman.env, sampleTree: true });
    } finally {
      podman.reset();
    }
  }
  if (tool === 'skopeo') {
    const out = join(dir, 'skopeo');
    try {
      const args = ['copy', '--quiet', '--src-tls-verify=false'];
      return await timed('skopeo', [...args, `docker://${ref}`, `oci:${out}:${tag}`], {
        sampleTree: true,
      });
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }
  throw new Error(`unknown tool ${tool}`);
}

/** The layer digests of `image`'s manifest, read from its OCI layout. */
function layerDigests(image) {
  const blob = (d) => JSON.parse(read(join(image.dir, 'blobs', ...d.split(':'))));
  const index = JSON.parse(read(join(image.dir, 'index.json')));
  const entry = index.manifests.find(
    (m) => m.annotations?.['org.opencontainers.image.ref.name'] === image.tag,
  );
  return blob(entry.digest).layers.map((l) => l.digest);
}

/** iza re-pulls of an image already in its store: times and blob GETs the registry logged. */
async function repulls(image, ref, dir, registry) {
  const root = join(dir, 'iza-repull');
  try {
    run(IZA, ['--root', root, 'pull', '-q', ref]);
    const before = registry.logSize();
    const times = [];
    for (let i = 0; i < REPULLS; i++) {
      times.push((await timed(IZA, ['--root', root, 'pull', '-q', ref])).seconds);
    }
    const digests = registry.blobGetDigests(before);
    const layers = new Set(layerDigests(image));
    const layerGets = digests.filter((d) => layers.has(d)).length;
    return { ...summarize(times), blobGets: digests.length, layerGets };
  } finally {
    unmountUnder(root);
    rmSync(root, { recursive: true, force: true });
  }
}

async function main() {
  const ws = createWorkspace();
  const results = {
    machine: machineLine(read),
    iza: izaVersion(),
    runs: RUNS,
    pulls: [],
    repulls: [],
  };
  try {
    const registry = await startRegistry(ws.dir);
    ws.onCleanup(() => registry.stop());
    log(`registry ${registry.host} (pid ${registry.pid}), work dir ${ws.dir}`);

    // Without --back-to-back each pull gets a new directory in a block group of its own
    // (lib/fresh-dirs.mjs); with it, every pull of a tool reuses the same path, as before.
    const places = freshDirs(ws.dir);
    const placeFor = (tool) => (opt['back-to-back'] ? ws.dir : places.next(tool));
    results.placement = opt['back-to-back']
      ? 'back to back: each pull reuses the directory the previous pull of that tool emptied'
      : `each pull in a new directory${places.spread ? ' of a +T (Orlov top) directory' : ''}, sync after each clean-up`;
    log(`placement: ${results.placement}`);

    const tools = opt.tools.split(',');
    for (const name of opt.images.split(',')) {
      const image = await IMAGES[name](log);
      const ref = pushImage(image, registry, name);
      log(`${name}: pushed ${ref}`);

      const samples = Object.fromEntries(tools.map((t) => [t, []]));
      for (let i = 0; i < RUNS; i++) {
        // Tools take turns within each round so that load drifting over the run hits all alike.
        for (const tool of tools) {
          const before = registry.logSize();
          const s = await coldPull(tool, ref, image.tag, placeFor(tool));
          samples[tool].push({ ...s, blobGets: registry.blobGets(before) });
          log(`${name} ${tool} #${i + 1}: ${fmt(s.seconds)} s, ${fmt(s.maxRssMB, 0)} MB`);
        }
      }
      for (const tool of tools) {
        const xs = samples[tool];
        results.pulls.push({
          image: name,
          tool,
          ...summarize(xs.map((x) => x.seconds)),
          peakRssMB: Math.max(...xs.map((x) => x.maxRssMB)),
          treeRssMB: Math.max(...xs.map((x) => x.treeRssMB)),
          blobGets: xs[0].blobGets,
        });
      }
      if (tools.includes('iza')) {
        results.repulls.push({ image: name, ...(await repulls(image, ref, ws.dir, registry)) });
      }
    }
  } finally {
    await ws.cleanup();
  }
  report(results);
}

function report(results) {
  const podman = (image) => results.pulls.find((p) => p.image === image && p.tool === 'podman');
  const rows = results.pulls.map((p) => [
    p.image,
    p.tool,
    p.runs,
    fmt(p.median, 2),
    fmt(p.min, 2),
    ratio(p.median, podman(p.image)?.median),
    ratio(p.min, podman(p.image)?.min),
    fmt(p.peakRssMB, 0),
    fmt(p.treeRssMB, 0),
    p.blobGets,
  ]);
  const head = ['image', 'tool', 'runs', 'median s', 'min s', 'vs podman', 'min vs min'];
  const out = [
    `## Cold pull (${results.iza}; ${results.machine})`,
    '',
    table([...head, 'peak RSS MB', 'tree RSS MB', 'blob GETs'], rows),
    '',
    'peak RSS: largest single process (getrusage); tree RSS: sampled sum over the process tree.',
    `Placement: ${results.placement}.`,
  ];
  if (results.repulls.length > 0) {
    out.push('', '## iza re-pull of a present image', '');
    const rr = results.repulls.map((r) => [
      r.image,
      r.runs,
      fmt(r.median),
      fmt(r.min),
      r.blobGets,
      r.layerGets,
    ]);
    const head = ['image', 'runs', 'median s', 'min s', 'blob GETs (all runs)', 'of them layers'];
    out.push(table(head, rr));
  }
  out.push('', '## Targets', '');
  for (const p of results.pulls.filter((x) => x.tool === 'iza')) {
    const r = p.median / (podman(p.image)?.median ?? NaN);
    out.push(`- ${p.image}: iza/podman ${fmt(r, 2)}x (target <= 0.5x): ${met(r <= 0.5)}`);
    const rss = Math.max(p.peakRssMB, p.treeRssMB || 0);
    out.push(`- ${p.image}: iza peak RSS ${fmt(rss, 0)} MB (target < 150): ${met(rss < 150)}`);
  }
  for (const r of results.repulls) {
    const ok = r.median < 0.3 && r.blobGets === 0;
    out.push(
      `- ${r.image}: re-pull ${fmt(r.median)} s, ${r.blobGets} blob GETs in ${r.runs} runs ` +
        `(${r.layerGets} of layers) (target < 0.3 s, 0 GETs): ${met(ok)}`,
    );
  }
  process.stdout.write(`${out.join('\n')}\n`);
  if (opt.json) writeFileSync(opt.json, JSON.stringify(results, null, 2));
}

function met(ok) {
  return ok ? 'met' : 'NOT met';
}

await main();
