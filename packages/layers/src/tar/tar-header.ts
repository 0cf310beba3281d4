import { badTar } from '../errors.js';
import type { SparseSegment } from './sparse.js';

/** The kind of a tar entry after GNU/PAX meta entries have been folded in. */
export type TarEntryType = 'file' | 'link' | 'symlink' | 'char' | 'block' | 'dir' | 'fifo';

/** One tar entry's metadata, with PAX and GNU long-name overrides already applied. */
export interface TarHeader {
  /** The path as stored (not normalised): callers must sanitise it. */
  name: string;
  type: TarEntryType;
  /** Permission bits including setuid (0o4000), setgid (0o2000) and sticky (0o1000). */
  mode: number;
  uid: number;
  gid: number;
  /** Bytes of body; only `file` entries carry content. */
  size: number;
  /** Seconds since the epoch, may be fractional (PAX `mtime`). */
  mtime: number;
  /** Symlink target (verbatim) or hardlink target (from the layer root). */
  linkname: string;
  devmajor: number;
  devminor: number;
  /** Extended attributes from PAX `SCHILY.xattr.*`, values as raw bytes. */
  xattrs: Map<string, Buffer>;
  /**
   * For a GNU sparse file: where its data goes. The body then yields only these segments'
   * bytes, in order; `size` is the real size and every byte outside the segments is zero.
   */
  sparse?: SparseSegment[];
}

/** A raw 512-byte header block, decoded but before PAX/GNU overrides. */
export interface RawHeader {
  name: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  typeflag: string;
  linkname: string;
  devmajor: number;
  devminor: number;
}

export const BLOCK = 512;

/** True for the all-zero block that ends an archive. */
export function isZeroBlock(block: Buffer): boolean {
  for (let i = 0; i < BLOCK; i += 8) {
    if (block.readBigUInt64LE(i) !== 0n) return false;
  }
  return true;
}

/**
 * Decodes one header block (POSIX ustar, GNU and v7), validating the checksum. Numeric fields
 * accept octal and GNU base-256; a negative base-256 value is an error, not a wrap-around.
 */
export function decodeHeader(block: Buffer): RawHeader {
  verifyChecksum(block);

  const typeflag = String.fromCharCode(block[156] ?? 0);
  const posix = block.toString('latin1', 257, 263) === 'ustar\0';
  let name = cString(block, 0, 100);
  if (posix) {
    const prefix = cString(block, 345, 155);
    if (prefix !== '') name = `${prefix}/${name}`;
  }

  return {
    name,
    mode: numericField(block, 100, 8, 'mode', name),
    uid: numericField(block, 108, 8, 'uid', name),
    gid: numericField(block, 116, 8, 'gid', name),
    size: numericField(block, 124, 12, 'size', name),
    mtime: numericField(block, 136, 12, 'mtime', name),
    typeflag,
    linkname: cString(block, 157, 100),
    devmajor: numericField(block, 329, 8, 'devmajor', name),
    devminor: numericField(block, 337, 8, 'devminor', name),
  };
}

function verifyChecksum(block: Buffer): void {
  const stored = parseOctal(block, 148, 8);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : (block[i] ?? 0);
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }

  // POSIX says unsigned; some historic writers summed signed chars (GNU tar accepts both).
  if (stored === undefined || (stored !== unsigned && stored !== signed)) {
    throw badTar('header checksum mismatch');
  }
}

/** A NUL-terminated UTF-8 field. */
function cString(block: Buffer, off: number, len: number): string {
  let end = block.indexOf(0, off);
  if (end < 0 || end > off + len) end = off + len;
  return block.toString('utf8', off, end);
}

/** A numeric field: octal, or GNU base-256 when the top bit of its first byte is set. */
export function numericField(
  block: Buffer,
  off: number,
  len: number,
  field: string,
  name: string,
): number {
  const first = block[off] ?? 0;
  if (first & 0x80) return base256(block, off, len, field, name);

  const value = parseOctal(block, off, len);
  if (value === undefined) throw badTar(`malformed ${field} field`, name);
  return value;
}

/** Octal digits, optionally surrounded by spaces and terminated by NUL or space. */
function parseOctal(block: Buffer, off: number, len: number): number | undefined {
  let i = off;
  const end = off + len;
  while (i < end && block[i] === 0x20) i++;

  let value = 0;
  let digits = 0;
  for (; i < end; i++) {
    const c = block[i] ?? 0;
    if (c < 0x30 || c > 0x37) break;
    value = value * 8 + (c - 0x30);
    digits++;
  }
  for (; i < end; i++) {
    const c = block[i];
    if (c !== 0 && c !== 0x20) return undefined;
  }
  return digits === 0 ? 0 : value;
}

/** GNU base-256: the top bit of the first byte marks it, the next bit is the sign. */
function base256(block: Buffer, off: number, len: number, field: string, name: string): number {
  const first = block[off] ?? 0;
  if (first & 0x40) throw badTar(`negative ${field}`, name);

  let value = first & 0x3f;
  for (let i = off + 1; i < off + len; i++) {
    value = value * 256 + (block[i] ?? 0);
    if (value > Number.MAX_SAFE_INTEGER) throw badTar(`${field} too large`, name);
  }
  return value;
}
