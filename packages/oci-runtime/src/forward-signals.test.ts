import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

import { describe, expect, it } from '@jest/globals';

// In a node of its own: jest's sandboxed `process` does not take signal handlers for the real
// process, which a signal sent to itself would then end.
const BUILT = join(import.meta.dirname, '..', 'dist', 'forward-signals.js');

function runScript(body: string) {
  const script = `import { relaySignals } from ${JSON.stringify(BUILT)};
import { spawn } from 'node:child_process';
${body}`;
  return spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
    timeout: 20_000,
  });
}

describe('relaySignals', () => {
  it('holds a signal that comes before the process is named, then passes it on', () => {
    const r = runScript(`
const relay = relaySignals({ winch: false });
// Without the relay, SIGUSR2's default action would end this process here.
process.kill(process.pid, 'SIGUSR2');
await new Promise((done) => setTimeout(done, 50));
const sleeper = spawn('sleep', ['100'], { stdio: 'ignore' });
sleeper.on('exit', (_code, signal) => {
  console.log(signal);
  relay.undo();
});
relay.to(sleeper.pid);
`);
    expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({
      status: 0,
      stdout: 'SIGUSR2\n',
      stderr: '',
    });
  });

  it('gives the signals their previous handling back', () => {
    const r = runScript(`
const before = process.listenerCount('SIGTERM');
const relay = relaySignals({ winch: true });
const during = [process.listenerCount('SIGTERM') - before, process.listenerCount('SIGWINCH')];
relay.undo();
console.log(JSON.stringify([...during, process.listenerCount('SIGTERM') - before]));
`);
    expect(r.stdout).toBe('[1,1,0]\n');
  });
});
