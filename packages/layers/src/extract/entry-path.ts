import { unsafeEntry } from '../errors.js';

/** Deepest path accepted, in components (node-tar's maxDepth after CVE-2024-28863). */
export const MAX_DEPTH = 1024;

/**
 * Splits a tar entry name into clean components. Leading `/` and `./` are stripped (layers are
 * rooted at the destination), empty and `.` components dropped, and a `..` component anywhere is
 * refused rather than normalised: a legitimate layer never needs one.
 */
export function entryComponents(name: string): string[] {
  if (name.includes('\0')) throw unsafeEntry(name, 'NUL byte in name');

  const parts: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') throw unsafeEntry(name, "'..' component escapes the layer root");
    parts.push(part);
  }

  if (parts.length > MAX_DEPTH) throw unsafeEntry(name, `deeper than ${MAX_DEPTH} components`);
  return parts;
}
