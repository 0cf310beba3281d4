import { describe, expect, it } from '@jest/globals';
import { EventEmitter } from 'node:events';

import { FORWARDED_SIGNALS, SignalRelay } from './signal-relay.js';

function relayWithFakes() {
  const source = new EventEmitter();
  const sent: Array<[number, string]> = [];
  const relay = new SignalRelay(source, (pid, sig) => sent.push([pid, sig]));
  const send = (sig: NodeJS.Signals) => source.emit(sig, sig);
  return { source, sent, relay, send };
}

describe('SignalRelay', () => {
  it('holds the first signal before the container runs and reports 128+N', () => {
    const { relay, send, sent } = relayWithFakes();
    send('SIGTERM');
    send('SIGINT');

    expect(relay.pending).toBe('SIGTERM');
    expect(relay.stoppedStatus()).toBe(143);
    expect(sent).toEqual([]);
  });

  it('sends a held signal first once the container runs, then every new one', () => {
    const { relay, send, sent } = relayWithFakes();
    send('SIGHUP');
    relay.forwardTo(42);
    send('SIGUSR1');

    expect(sent).toEqual([
      [42, 'SIGHUP'],
      [42, 'SIGUSR1'],
    ]);
  });

  it('sends nothing once the container is reaped (its pid may be reused)', () => {
    const { relay, send, sent } = relayWithFakes();
    relay.forwardTo(42);
    relay.stopForwarding();
    send('SIGTERM');

    expect(sent).toEqual([]);
  });

  it('gives every signal back when closed', () => {
    const { relay, source } = relayWithFakes();
    for (const sig of FORWARDED_SIGNALS) expect(source.listenerCount(sig)).toBe(1);
    relay.close();
    for (const sig of FORWARDED_SIGNALS) expect(source.listenerCount(sig)).toBe(0);
  });
});
