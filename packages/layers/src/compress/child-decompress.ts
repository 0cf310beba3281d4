import { spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { Transform } from 'node:stream';
import type { Readable, TransformCallback, Writable } from 'node:stream';

/** Bytes of a failing tool's stderr kept for the error message. */
const STDERR_CAP = 2048;

/**
 * Decompresses through an external tool (`zstd -dc`): input to its stdin, its stdout pushed out
 * with backpressure. A non-zero exit, a signal or a spawn failure is an error carrying the
 * tool's stderr; destroying the stream (abort, downstream error) kills the child by its pid.
 */
export class ChildDecompress extends Transform {
  private readonly child: ChildProcessByStdio<Writable, Readable, Readable>;
  private stderr = '';
  private status: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private onClose: (() => void) | undefined;

  constructor(
    private readonly command: string,
    args: string[],
  ) {
    super({ readableHighWaterMark: 1 << 18 });
    this.child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.on('data', (d: Buffer) => {
      if (!this.push(d)) this.child.stdout.pause();
    });
    this.child.stderr.on('data', (d: Buffer) => {
      if (this.stderr.length < STDERR_CAP) this.stderr += d.toString('utf8');
    });
    // EPIPE when the tool exits early: its exit status is the error worth reporting.
    this.child.stdin.on('error', () => undefined);
    this.child.on('error', (err) => this.destroy(err));
    this.child.on('close', (code, signal) => {
      this.status = { code, signal };
      if (this.onClose) return this.onClose();
      if (!this.ok()) this.destroy(this.failure());
    });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (this.status !== undefined) return cb(this.failure());
    if (this.child.stdin.write(chunk)) return cb();
    this.child.stdin.once('drain', () => cb());
  }

  override _flush(cb: TransformCallback): void {
    const finish = () => cb(this.ok() ? null : this.failure());
    if (this.status !== undefined) return finish();
    this.onClose = finish;
    this.child.stdin.end();
  }

  override _read(size: number): void {
    this.child.stdout.resume();
    super._read(size);
  }

  override _destroy(err: Error | null, cb: (error: Error | null) => void): void {
    if (this.status === undefined && this.child.exitCode === null) this.child.kill('SIGKILL');
    cb(err);
  }

  private ok(): boolean {
    return this.status?.code === 0;
  }

  private failure(): Error {
    const how = this.status?.signal
      ? `was killed by ${this.status.signal}`
      : `exited with ${this.status?.code}`;
    const detail = this.stderr.trim().split('\n').slice(-3).join('; ');
    return new Error(`${this.command} ${how}${detail ? `: ${detail}` : ''}`);
  }
}

const found = new Map<string, string | undefined>();

/**
 * The executable `name` on `searchPath` (PATH syntax), or undefined; cached per name and path.
 */
export function findExecutable(name: string, searchPath: string): string | undefined {
  const key = `${name}\0${searchPath}`;
  if (found.has(key)) return found.get(key);

  let hit: string | undefined;
  for (const dir of searchPath.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) {
        hit = candidate;
        break;
      }
    } catch {
      // Not in this directory.
    }
  }
  found.set(key, hit);
  return hit;
}
