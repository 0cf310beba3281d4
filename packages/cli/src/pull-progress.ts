import type { PullEvent } from '@iza/engine';

import { humanSize } from './output.js';

/** Renders pull events on stderr: live bars on a terminal, docker's plain lines otherwise. */
export interface PullRenderer {
  onEvent(e: PullEvent): void;
  stop(): void;
}

export function createPullRenderer(
  stderr: NodeJS.WriteStream,
  env: Readonly<Record<string, string | undefined>>,
  quiet = false,
): PullRenderer {
  if (quiet) return { onEvent: ignore, stop: ignore };
  return stderr.isTTY && !env.CI ? new BarRenderer(stderr) : new LineRenderer(stderr);
}

/** Discards an event (quiet mode). */
function ignore(): void {
  return undefined;
}

const short = (digest: string) => digest.replace(/^sha256:/, '').slice(0, 12);

class LineRenderer implements PullRenderer {
  constructor(private readonly out: NodeJS.WritableStream) {}

  onEvent(e: PullEvent): void {
    switch (e.type) {
      case 'resolved':
        this.out.write(`Pulling ${e.reference}\n`);
        for (const l of e.layers) this.out.write(`${short(l.digest)}: Pulling fs layer\n`);
        break;
      case 'layer-cached':
        this.out.write(`${short(e.digest)}: Already exists\n`);
        break;
      case 'layer-done':
        this.out.write(`${short(e.digest)}: Pull complete\n`);
        break;
      case 'notice':
        this.out.write(`${e.message}\n`);
        break;
      case 'layer-progress':
        break;
    }
  }

  stop(): void {
    // Lines are written as events arrive: nothing is pending.
  }
}

interface BarState {
  downloaded: number;
  total: number;
  status: string;
}

/** Per-layer bars plus a total line, redrawn in place at most 10 times a second. */
class BarRenderer implements PullRenderer {
  readonly #layers = new Map<string, BarState>();
  #drawn = 0;
  #timer: NodeJS.Timeout | undefined;
  readonly #started = Date.now();

  constructor(private readonly out: NodeJS.WriteStream) {}

  onEvent(e: PullEvent): void {
    if (e.type === 'resolved') {
      this.out.write(`Pulling ${e.reference}\n`);
      for (const l of e.layers)
        this.#layers.set(l.digest, { downloaded: 0, total: l.size, status: 'Waiting' });
      this.#timer ??= setInterval(() => this.#draw(), 100);
      this.#timer.unref();
      return;
    }
    if (e.type === 'notice') {
      this.out.write(`${e.message}\n`);
      return;
    }
    const layer = this.#layers.get(e.digest);
    if (!layer) return;
    if (e.type === 'layer-progress') {
      layer.downloaded = e.downloaded;
      layer.total = e.total || layer.total;
      layer.status = 'Downloading';
    } else {
      layer.downloaded = layer.total;
      layer.status = e.type === 'layer-cached' ? 'Already exists' : 'Pull complete';
    }
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.#layers.size) this.#draw();
  }

  #draw(): void {
    const width = Math.max(10, Math.min(40, (this.out.columns || 80) - 50));
    const lines: string[] = [];
    let done = 0;
    let total = 0;
    for (const [digest, l] of this.#layers) {
      done += l.downloaded;
      total += l.total;
      const detail =
        l.status === 'Downloading'
          ? `${bar(l.downloaded, l.total, width)} ${humanSize(l.downloaded)}/${humanSize(l.total)}`
          : '';
      lines.push(`${short(digest)}: ${l.status.padEnd(14)} ${detail}`.trimEnd());
    }
    const secs = Math.max(0.1, (Date.now() - this.#started) / 1000);
    lines.push(
      `total: ${bar(done, total, width)} ${humanSize(done)}/${humanSize(total)} ${humanSize(done / secs)}/s`,
    );

    let text = this.#drawn ? `\x1b[${this.#drawn}A` : '';
    text += lines.map((l) => `\x1b[2K${l}\n`).join('');
    this.out.write(text);
    this.#drawn = lines.length;
  }
}

function bar(done: number, total: number, width: number): string {
  const filled = total > 0 ? Math.min(width, Math.round((done / total) * width)) : 0;
  return `[${'='.repeat(Math.max(0, filled - 1))}${filled > 0 ? '>' : ''}${' '.repeat(width - filled)}]`;
}
