import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { constants, flock } from '@iza/ns-native';

/** Releases a lock taken with {@link StoreLocks.acquire}. */
export type Release = () => void;

/**
 * Named exclusive locks shared by every process using a store: flock(2) on `locks/<name>.lock`.
 * flock blocks the thread when it waits, so waits are LOCK_NB polls with backoff; waiters in this
 * process queue on a promise first so they do not poll against each other.
 */
export class StoreLocks {
  private readonly tails = new Map<string, Promise<void>>();

  constructor(private readonly dir: string) {}

  /** Waits for the lock `name`. */
  async acquire(name: string, signal?: AbortSignal): Promise<Release> {
    const prev = this.tails.get(name);
    let done!: () => void;
    const mine = new Promise<void>((r) => (done = r));
    const tail = (prev ?? Promise.resolve()).then(() => mine);
    this.tails.set(name, tail);
    const local = () => {
      done();
      if (this.tails.get(name) === tail) this.tails.delete(name);
    };

    try {
      if (prev !== undefined) await prev;
      const fd = await this.lockFile(name, signal);
      return () => {
        closeSync(fd);
        local();
      };
    } catch (err) {
      local();
      throw err;
    }
  }

  /** Takes the lock only if nobody (in any process) holds it; null when busy. */
  tryAcquire(name: string): Release | null {
    if (this.tails.has(name)) return null;
    const fd = openSync(this.path(name), 'a', 0o644);
    const c = constants();
    if (!flock(fd, c.LOCK_EX | c.LOCK_NB)) {
      closeSync(fd);
      return null;
    }
    // Hold the in-process slot too, so acquire() in this process waits for us.
    let done!: () => void;
    const tail = new Promise<void>((r) => (done = r));
    this.tails.set(name, tail);
    return () => {
      closeSync(fd);
      done();
      if (this.tails.get(name) === tail) this.tails.delete(name);
    };
  }

  private async lockFile(name: string, signal?: AbortSignal): Promise<number> {
    const fd = openSync(this.path(name), 'a', 0o644);
    const c = constants();
    let delay = 5;
    try {
      while (!flock(fd, c.LOCK_EX | c.LOCK_NB)) {
        signal?.throwIfAborted();
        await sleep(delay);
        delay = Math.min(delay * 2, 200);
      }
      return fd;
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  private path(name: string): string {
    return join(this.dir, `${name}.lock`);
  }
}
