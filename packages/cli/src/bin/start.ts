import { main } from '../main.js';

/** Runs the CLI as a process: the exit code is set, a closed stdout pipe ends it quietly. */
export function start(argv: string[]): void {
  // A closed pipe on stdout (`iza images | head -1`) is not an error worth a stack trace.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });

  main(argv).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`Error: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exitCode = 125;
    },
  );
}
