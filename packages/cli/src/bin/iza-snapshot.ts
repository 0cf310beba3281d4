// The entry of the CLI's V8 startup snapshot (scripts/snapshot.mjs): evaluated once at build
// time, with the modules of `run` and `pull`, the commands whose start-up users feel, so that a
// run starts from a heap where they are already compiled and evaluated instead of parsing them.
import { pathToFileURL } from 'node:url';
import { startupSnapshot } from 'node:v8';

import '../commands/pull.js';
import '../commands/run.js';
import { start } from './start.js';

declare global {
  // What `import.meta.url` reads in the snapshot bundle (scripts/snapshot.mjs defines it so):
  // the bundle's location now, not where the snapshot was built.
  var __izaModuleUrl: string | undefined;
}

startupSnapshot.setDeserializeMainFunction(() => {
  // The launcher passes the bundle's path as argv[1], as for any script (packages/cli/bin/iza).
  globalThis.__izaModuleUrl = pathToFileURL(process.argv[1] ?? '').href;
  start(process.argv.slice(2));
});
