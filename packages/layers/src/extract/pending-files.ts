/** A deferred write that failed, with the tar entry it belonged to. */
export class PendingFileError extends Error {
  constructor(
    readonly entry: string,
    override readonly cause: unknown,
  ) {
    super(`writing '${entry}' failed`, { cause });
  }
}

/**
 * Regular files of one layer whose content, attributes and close are still under way on libuv's
 * thread pool while later entries are applied. Each file is created (named) in entry order, so
 * every lookup of the tree sees what the serial order gives; only what happens inside the file
 * is deferred. The rules callers follow, so that no later step meets a half-written file or a
 * deferred call lands on another file: settle a path before touching it again (the same path
 * twice), and settle everything before removing a directory, applying a whiteout, or finishing
 * directories. A hardlink needs no wait: it names the same inode, which the deferred calls reach
 * through its descriptor or through a path that still names it.
 */
export class PendingFiles {
  private readonly jobs = new Map<string, Promise<void>>();
  private failure: PendingFileError | undefined;

  /** `max`: files pending at once (each holds a descriptor). */
  constructor(readonly max: number) {}

  get size(): number {
    return this.jobs.size;
  }

  /** Tracks `job`, the rest of the file at resolved path `rel` written for tar entry `entry`. */
  add(rel: string, entry: string, job: Promise<void>): void {
    if (this.jobs.has(rel)) throw new Error(`internal: '${rel}' is already being written`);

    const tracked: Promise<void> = job.then(
      () => this.done(rel, tracked),
      (err: unknown) => {
        this.failure ??= new PendingFileError(entry, err);
        this.done(rel, tracked);
      },
    );
    this.jobs.set(rel, tracked);
  }

  /** Waits until fewer than `max` files are pending; throws an earlier failure. */
  async room(): Promise<void> {
    while (this.jobs.size >= this.max) await Promise.race(this.jobs.values());
    this.check();
  }

  /** Waits for the file at `rel`, if it is still being written; throws an earlier failure. */
  async settle(rel: string): Promise<void> {
    const job = this.jobs.get(rel);
    if (job !== undefined) await job;
    this.check();
  }

  /** Waits for every pending file; throws the first failure. */
  async settleAll(): Promise<void> {
    while (this.jobs.size > 0) await Promise.all(this.jobs.values());
    this.check();
  }

  /** After a failure elsewhere: waits for every pending file (closing it), ignoring errors. */
  async abandon(): Promise<void> {
    while (this.jobs.size > 0) await Promise.all(this.jobs.values());
  }

  private done(rel: string, job: Promise<void>): void {
    if (this.jobs.get(rel) === job) this.jobs.delete(rel);
  }

  private check(): void {
    if (this.failure) throw this.failure;
  }
}
