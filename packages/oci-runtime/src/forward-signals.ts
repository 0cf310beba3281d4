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

/**
 * Sends each signal this process receives to `pid` instead of acting on it (`winch`: SIGWINCH
 * too, when no terminal takes it). Returns the function that restores the previous handling.
 */
export function forwardSignals(pid: number, options: { winch: boolean }): () => void {
  const signals = options.winch ? [...FORWARDED, 'SIGWINCH' as const] : FORWARDED;
  const forward = (signal: NodeJS.Signals) => {
    try {
      process.kill(pid, signal);
    } catch {
      // The process exited; its status is on its way.
    }
  };
  for (const s of signals) process.on(s, forward);
  return () => {
    for (const s of signals) process.off(s, forward);
  };
}
