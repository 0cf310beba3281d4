import { badTar } from '../errors.js';
import type { ByteSource } from './byte-source.js';
import { BLOCK, numericField } from './tar-header.js';

/** One stretch of a sparse file that holds data; everything outside the segments is a hole. */
export interface SparseSegment {
  offset: number;
  length: number;
}

/** The GNU sparse records of one PAX header, as `parsePax` collects them. */
export interface PaxSparse {
  major?: string;
  minor?: string;
  name?: string;
  /** `GNU.sparse.size` (0.x) or `GNU.sparse.realsize` (1.0): the file's real size. */
  realSize?: number;
  numBlocks?: number;
  /** `GNU.sparse.map` (0.1), or the `offset`/`numbytes` pairs of 0.0 flattened in order. */
  map?: number[];
  /** Whether `map` came from 0.0 pairs (true) or a 0.1 `GNU.sparse.map` record (false). */
  pairs?: boolean;
}

/** A sparse entry found: its data segments, real size and, for PAX, its real name. */
export interface SparseInfo {
  segments: SparseSegment[];
  realSize: number;
  name?: string;
  /** Bytes of the entry's data taken by a 1.0 map before the segments' data. */
  mapBytes: number;
}

// Old GNU header (GNU tar manual, "Storing Sparse Files"): four 24-byte entries at 386, the
// extension flag at 482 and the real size at 483; an extension block holds 21 entries and its
// flag at 504.
const HEADER_ENTRIES = { at: 386, count: 4, flag: 482 };
const EXTENSION_ENTRIES = { at: 0, count: 21, flag: 504 };

/**
 * Reads the sparse map of an old GNU `S` entry: from its header block, then from the extension
 * blocks that follow it (before the data). `maxEntries` bounds the memory a hostile map costs.
 */
export async function readOldGnuSparse(
  block: Buffer,
  src: ByteSource,
  name: string,
  maxEntries: number,
): Promise<SparseInfo> {
  if (block.toString('latin1', 257, 265) !== 'ustar  \0') {
    throw badTar("a sparse 'S' entry outside the GNU format", name);
  }
  const segments: SparseSegment[] = [];
  const realSize = numericField(block, 483, 12, 'sparse real size', name);

  let current = block;
  let layout = HEADER_ENTRIES;
  for (;;) {
    for (let i = 0; i < layout.count; i++) {
      const at = layout.at + i * 24;
      // GNU and BSD tar end the list at the first entry whose offset field starts with NUL.
      if (current[at] === 0) break;
      const offset = numericField(current, at, 12, 'sparse offset', name);
      const length = numericField(current, at + 12, 12, 'sparse length', name);
      segments.push({ offset, length });
      if (segments.length > maxEntries) throw badTar('sparse map too large', name);
    }
    if (current[layout.flag] === 0) break;
    const next = await src.readExact(BLOCK, 'sparse extension');
    if (next === undefined) throw badTar('truncated sparse extension', name);
    current = next;
    layout = EXTENSION_ENTRIES;
  }
  return { segments, realSize, mapBytes: 0 };
}

/**
 * The sparse form a PAX header announces (GNU tar's PAX formats 0.0, 0.1 and 1.0), or undefined
 * for an ordinary entry. Versions are told apart as Go's archive/tar does; an unknown version is
 * an error rather than a file with the wrong content. A 1.0 map is read from the data's start,
 * within `maxMapBytes`.
 */
export async function readPaxSparse(
  sparse: PaxSparse | undefined,
  src: ByteSource,
  name: string,
  maxMapBytes: number,
): Promise<SparseInfo | undefined> {
  if (sparse === undefined) return undefined;
  const { major, minor } = sparse;
  let v1: boolean;
  if (major === '0' && (minor === '0' || minor === '1')) v1 = false;
  else if (major === '1' && minor === '0') v1 = true;
  else if (major !== undefined || minor !== undefined) {
    throw badTar(`unsupported GNU sparse format ${major ?? '?'}.${minor ?? '?'}`, name);
  } else if (sparse.map !== undefined) v1 = false;
  else return undefined;

  const realSize = sparse.realSize;
  if (realSize === undefined) throw badTar('sparse entry without its real size', name);
  const named = sparse.name === undefined ? {} : { name: sparse.name };
  if (v1) return { ...(await readMapV1(src, name, maxMapBytes)), realSize, ...named };

  const flat = sparse.map ?? [];
  if (sparse.numBlocks === undefined || flat.length !== sparse.numBlocks * 2) {
    throw badTar('sparse map does not match GNU.sparse.numblocks', name);
  }
  return { segments: pairs(flat), realSize, mapBytes: 0, ...named };
}

/** 1.0: decimal numbers, one per line (count, then offset/length pairs), padded to a block. */
async function readMapV1(
  src: ByteSource,
  name: string,
  maxMapBytes: number,
): Promise<{ segments: SparseSegment[]; mapBytes: number }> {
  const numbers: number[] = [];
  let text = '';
  let mapBytes = 0;
  let wanted = 1;

  while (numbers.length < wanted) {
    if (mapBytes + BLOCK > maxMapBytes)
      throw badTar('sparse map larger than its entry or 1 MiB', name);
    const block = await src.readExact(BLOCK, 'sparse map');
    if (block === undefined) throw badTar('truncated sparse map', name);
    mapBytes += BLOCK;
    text += block.toString('latin1');

    let nl: number;
    while (numbers.length < wanted && (nl = text.indexOf('\n')) >= 0) {
      numbers.push(decimal(text.slice(0, nl), name));
      text = text.slice(nl + 1);
      if (numbers.length === 1) wanted = 1 + 2 * (numbers[0] as number);
    }
  }
  return { segments: pairs(numbers.slice(1)), mapBytes };
}

function pairs(flat: number[]): SparseSegment[] {
  const out: SparseSegment[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    out.push({ offset: flat[i] as number, length: flat[i + 1] as number });
  }
  return out;
}

/** A decimal field of a sparse map; `entry` names the entry in errors. */
export function decimal(text: string, entry: string): number {
  if (!/^[0-9]{1,16}$/.test(text)) throw badTar('malformed number in sparse map', entry);
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw badTar('number in sparse map too large', entry);
  return n;
}

/**
 * Checks a sparse map against the entry (the same rules as Go's and BSD tar's readers): segments
 * in order, not overlapping, inside the real size, and holding exactly the data that follows.
 */
export function checkSparse(info: SparseInfo, dataBytes: number, name: string): void {
  let end = 0;
  let total = 0;
  for (const { offset, length } of info.segments) {
    if (offset < end || offset + length > info.realSize) {
      throw badTar('sparse map out of order or past the end of the file', name);
    }
    end = offset + length;
    total += length;
  }
  if (total !== dataBytes) {
    throw badTar(`sparse map holds ${total} bytes but the entry carries ${dataBytes}`, name);
  }
}

/**
 * Maps the data of a sparse entry, read in chunks of any size, to file positions: returns for
 * each chunk the `[position, bytes]` pieces to write. Holes are never written.
 */
export function sparsePlacer(
  segments: readonly SparseSegment[],
): (chunk: Buffer) => [number, Buffer][] {
  let index = 0;
  let used = 0;
  return (chunk) => {
    const out: [number, Buffer][] = [];
    let off = 0;
    while (off < chunk.length) {
      const seg = segments[index];
      if (seg === undefined) throw badTar('sparse data past its map');
      const take = Math.min(seg.length - used, chunk.length - off);
      if (take > 0) out.push([seg.offset + used, chunk.subarray(off, off + take)]);
      off += take;
      used += take;
      if (used === seg.length) {
        index++;
        used = 0;
      }
    }
    return out;
  };
}
