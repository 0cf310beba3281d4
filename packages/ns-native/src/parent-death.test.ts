import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { makeBusyboxRootfs, type TestRootfs } from './test-support/rootfs.js';
import { baseSpec } from './test-support/run.js';

// A caller that stays with its container (iza run, in process) and dies while the container's
// init waits on its exec fifo: nobody would ever open that fifo, so the init must go with it.
const asRoot = process.getuid?.() === 0 ? describe : describe.skip;
const BUILT = join(import.meta.dirname, '..', 'dist', 'index.js');

/** True while /proc/<pid> is a live process (not a zombie). */
function alive(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

async function eventually(check: () => boolean): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    if (check()) return true;
    await sleep(20);
  }
  return false;
}

asRoot('the init of a caller that dies before start (needs root)', () => {
  let rootfs: TestRootfs;
  let dir: string;
  beforeAll(() => {
    rootfs = makeBusyboxRootfs();
    dir = mkdtempSync(join(tmpdir(), 'iza-pdeath-'));
  });
  afterAll(() => {
    rootfs.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is killed with its caller when it asked for pdeathSignal, even blocked on the fifo', async () => {
    const fifo = join(dir, 'exec.fifo');
    const spec = {
      ...baseSpec(rootfs.dir, 'true'),
      startWith: { kind: 'fifo', path: fifo },
      pdeathSignal: true,
      stdio: [0, 2, 2],
    };
    const caller = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { createContainerProcess } from ${JSON.stringify(BUILT)};
import { execFileSync } from 'node:child_process';
execFileSync('mkfifo', [${JSON.stringify(fifo)}]);
const proc = await createContainerProcess(${JSON.stringify(spec)});
console.log('iza-pid ' + proc.pid);
setInterval(() => {}, 1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_OPTIONS: '' } },
    );
    let pid = 0;
    try {
      pid = await new Promise<number>((done, fail) => {
        // The pid's own line: anything else node might print there is not it.
        let out = '';
        const timer = setTimeout(
          () => fail(new Error(`no pid from the caller: ${JSON.stringify(out)}`)),
          10_000,
        );
        caller.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const line = /^iza-pid (\d+)$/m.exec(out);
          if (line === null) return;
          clearTimeout(timer);
          done(Number(line[1]));
        });
        caller.on('exit', (code) => fail(new Error(`the caller exited ${code}: ${out}`)));
      });
      expect({ pid, alive: await eventually(() => alive(pid)) }).toEqual({ pid, alive: true });
      caller.kill('SIGKILL');
      let gone = false;
      for (let i = 0; i < 200 && !gone; i++) {
        gone = !alive(pid);
        if (!gone) await sleep(25);
      }
      expect(gone).toBe(true);
    } finally {
      caller.kill('SIGKILL');
      if (pid > 0 && alive(pid)) process.kill(pid, 'SIGKILL');
    }
    expect(existsSync(fifo)).toBe(true);
  }, 20_000);
});
