// The entry of iza-runtime's V8 startup snapshot (scripts/snapshot.mjs): evaluated once at
// build time, so that each of the several runs an engine makes per container (create, start,
// state, delete) starts from a heap with the runtime and Node's built-ins already loaded.
import { pathToFileURL } from 'node:url';
import { startupSnapshot } from 'node:v8';

import { main } from './main.js';

declare global {
  // What `import.meta.url` reads in the snapshot bundle (tools/snapshot/v8-snapshot.mjs).
  var __izaModuleUrl: string | undefined;
}

startupSnapshot.setDeserializeMainFunction(() => {
  // The launcher passes the bundle's path as argv[1], as for any script (bin/iza-runtime).
  globalThis.__izaModuleUrl = pathToFileURL(process.argv[1] ?? '').href;
  void main(process.argv.slice(2)).then((code) => process.exit(code));
});
