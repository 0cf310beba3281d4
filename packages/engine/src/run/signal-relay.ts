import { constants } from 'node:os';

/** Signals `iza run` passes on to the container (docker's sig-proxy; SIGWINCH is the pty's). */
export const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = [
  'SIGINT',
  'SIGTERM',
  'SIGHUP',
  'SIGQUIT',
  'SIGUSR1',
  'SIGUSR2',
];

/** The process signals are relayed through: `process` itself, or a fake in tests. */
export interface SignalSource {
  on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  off(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
}

/**
 * Owns iza's handling of the forwarded signals for one run, from before the first thing the run
 * creates until everything is undone. Before the container runs, a signal is held (iza must not
 * die half-way, leaving mounts, cgroups and a waiting init behind): the run checks `pending` and
 * stops cleanly. Once the container runs, signals go to it, a held one first.
 */
export class SignalRelay {
  readonly #source: SignalSource;
  readonly #kill: (pid: number, signal: NodeJS.Signals) => void;
  #pending: NodeJS.Signals | undefined;
  #target: number | undefined;

  constructor(source: SignalSource, kill: (pid: number, signal: NodeJS.Signals) => void) {
    this.#source = source;
    this.#kill = kill;
    for (const sig of FORWARDED_SIGNALS) source.on(sig, this.#onSignal);
  }

  /** The first signal received before the container ran, if any. */
  get pending(): NodeJS.Signals | undefined {
    return this.#pending;
  }

  /** The exit status of a run stopped by the pending signal: 128+N, as if it had killed iza. */
  stoppedStatus(): number | undefined {
    return this.#pending === undefined ? undefined : 128 + constants.signals[this.#pending];
  }

  /** From now on signals go to `pid`; a signal held until now is sent first. */
  forwardTo(pid: number): void {
    this.#target = pid;
    if (this.#pending !== undefined) this.#kill(pid, this.#pending);
  }

  /** Stops forwarding (the container was reaped: its pid may be reused). */
  stopForwarding(): void {
    this.#target = undefined;
  }

  /** Gives the signals back to their default handling. */
  close(): void {
    this.#target = undefined;
    for (const sig of FORWARDED_SIGNALS) this.#source.off(sig, this.#onSignal);
  }

  readonly #onSignal = (signal: NodeJS.Signals): void => {
    if (this.#target !== undefined) this.#kill(this.#target, signal);
    else this.#pending ??= signal;
  };
}
