// What a foreground exec passes on, as runc does with every signal it gets (signals.go):
// SIGKILL and SIGSTOP cannot be caught, SIGCHLD is its own, SIGPIPE and the fault signals
// concern this process only, and SIGWINCH resizes an attached terminal instead.
const FORWARDED: NodeJS.Signals[] = [
  'SIGHUP',
  'SIGINT',
  'SIGQUIT',
  'SIGTERM',
  'SIGUSR1',
  'SIGUSR2',
  'SIGALRM',
  'SIGCONT',
  'SIGTSTP',
  'SIGTTIN',
  'SIGTTOU',
  'SIGVTALRM',
  'SIGPROF',
  'SIGXCPU',
  'SIGXFSZ',
];

/** The signals a foreground exec takes over; see {@link relaySignals}. */
export interface SignalRelay {
  /** From now on send each signal to `pid`, starting with those that came before. */
  to(pid: number): void;
  /** Gives the signals their previous handling back. */
  undo(): void;
}

/**
 * Takes the signals this process receives instead of acting on them (`winch`: SIGWINCH too, when
 * no terminal takes it), from the moment it is called: those that come before `to(pid)` names
 * the process wait for it, as runc's exec buffers them, so a signal sent while the process is
 * set up is neither lost nor fatal to this process.
 */
export function relaySignals(options: { winch: boolean }): SignalRelay {
  const signals = options.winch ? [...FORWARDED, 'SIGWINCH' as const] : FORWARDED;
  let target: number | undefined;
  const early: NodeJS.Signals[] = [];
  const send = (signal: NodeJS.Signals) => {
    if (target === undefined) {
      early.push(signal);
      return;
    }
    try {
      process.kill(target, signal);
    } catch {
      // The process exited; its status is on its way.
    }
  };
  for (const s of signals) process.on(s, send);
  return {
    to(pid) {
      target = pid;
      for (const s of early.splice(0)) send(s);
    },
    undo() {
      for (const s of signals) process.off(s, send);
    },
  };
}
