import type { IzaResult } from './iza.js';

/** The lines of a stream, without empty ones. */
export function lines(text: string): string[] {
  return text.split('\n').filter((l) => l.trim() !== '');
}

/** The `Error: ...` and `hint: ...` lines of an iza failure, and anything that looks like a stack. */
export function failureReport(result: IzaResult) {
  const all = lines(result.stderr);
  return {
    exitCode: result.exitCode,
    errors: all.filter((l) => l.startsWith('Error: ')),
    hints: all.filter((l) => l.startsWith('hint: ')),
    stackFrames: all.filter((l) => /^\s+at .+\(.+:\d+:\d+\)$|^\s+at \S+:\d+:\d+$/.test(l)),
  };
}

/** One row of `iza images --format json` (docker's keys). */
export interface ImageRow {
  Repository: string;
  Tag: string;
  ID: string;
  Digest: string;
  CreatedAt: string;
  Size: string | number;
}

/** Parses `iza images --format json`: one JSON object per line. */
export function parseImageRows(stdout: string): ImageRow[] {
  return lines(stdout).map((l) => JSON.parse(l) as ImageRow);
}

/** The first 12 hex digits of a digest: docker's short image ID. */
export function shortId(digest: string): string {
  return digest.replace(/^sha256:/, '').slice(0, 12);
}
