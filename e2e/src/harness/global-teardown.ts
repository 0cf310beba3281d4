import { rm } from 'node:fs/promises';

/** Stops the plain registry (by pid) and removes the run's scratch dir. */
export default async function globalTeardown(): Promise<void> {
  const handles = globalThis.izaE2eSetup;
  if (handles === undefined) return;

  await handles.registry.stop();
  await rm(handles.runDir, { recursive: true, force: true });
  handles.undoRunDir();
  globalThis.izaE2eSetup = undefined;
}
