import { rmSync } from 'node:fs';

/** Something that must be undone when this process ends, whatever the way it ends. */
export interface ExitCleanup {
  /** A process this suite started: killed by pid, never by name. */
  pid?: number;
  /** A directory this suite created. */
  dir?: string;
}

const pending = new Set<ExitCleanup>();
let hooked = false;

function runAll(): void {
  for (const item of pending) {
    runOne(item);
  }
  pending.clear();
}

function runOne(item: ExitCleanup): void {
  if (item.pid !== undefined) {
    try {
      process.kill(item.pid, 'SIGKILL');
    } catch {
      // Already gone: nothing to undo.
    }
  }

  if (item.dir !== undefined) {
    rmSync(item.dir, { recursive: true, force: true });
  }
}

/**
 * Registers a pid to kill and/or a directory to remove when the process exits (a failing test,
 * a jest timeout, Ctrl-C). Returns a function that runs the cleanup now and unregisters it.
 */
export function onExitCleanup(item: ExitCleanup): () => void {
  if (!hooked) {
    hooked = true;
    // 'exit' handlers must be synchronous: kill(2) and rmSync are.
    process.once('exit', runAll);
  }

  pending.add(item);
  return () => {
    if (!pending.delete(item)) return;
    runOne(item);
  };
}
