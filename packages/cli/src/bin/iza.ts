#!/usr/bin/env node
import { main } from '../main.js';

// A closed pipe on stdout (`iza images | head -1`) is not an error worth a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`Error: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 125;
  },
);
