import { badTar } from '../errors.js';
import { ByteSource } from './byte-source.js';
import { BLOCK, decodeHeader, isZeroBlock } from './tar-header.js';
import type { RawHeader, TarEntryType, TarHeader } from './tar-header.js';
import { parsePax } from './pax.js';
import { checkSparse, readOldGnuSparse, readPaxSparse } from './sparse.js';
import type { PaxOverrides } from './pax.js';

/** One entry: its header and its content, which must be consumed before the next entry. */
export interface TarEntry {
  header: TarHeader;
  /**
   * The entry's content. Read it fully or not at all before asking for the next entry; the
   * reader skips whatever is left unread.
   */
  body: AsyncIterable<Buffer>;
}

/** Limits for {@link createTarReader}. */
export interface TarReaderOptions {
  /** Largest PAX or GNU long-name record accepted, in bytes. Default 1 MiB. */
  maxMetaSize?: number;
}

/** A streaming tar reader; see {@link readTarEntries}. */
export interface TarReader {
  entries(source: AsyncIterable<Uint8Array>): AsyncGenerator<TarEntry>;
}

const TYPES: Record<string, TarEntryType> = {
  '\0': 'file',
  '0': 'file',
  '7': 'file',
  '1': 'link',
  '2': 'symlink',
  '3': 'char',
  '4': 'block',
  '5': 'dir',
  '6': 'fifo',
  // Old GNU sparse file: a regular file whose map follows its header (sparse.ts).
  S: 'file',
};

/**
 * Creates a tar reader (ustar, GNU `L`/`K` and sparse files, PAX `x`; `g` ignored; checksums
 * verified).
 */
export function createTarReader(options: TarReaderOptions = {}): TarReader {
  const maxMeta = options.maxMetaSize ?? 1024 * 1024;
  return { entries: (source) => iterate(new ByteSource(source), maxMeta) };
}

/**
 * Reads a tar stream entry by entry in constant memory. After the end-of-archive marker the rest
 * of the stream is drained, so a digest computed over the stream covers every byte.
 */
export function readTarEntries(
  source: AsyncIterable<Uint8Array>,
  options: TarReaderOptions = {},
): AsyncGenerator<TarEntry> {
  return createTarReader(options).entries(source);
}

async function* iterate(src: ByteSource, maxMeta: number): AsyncGenerator<TarEntry> {
  let pax: PaxOverrides | undefined;
  let longName: string | undefined;
  let longLink: string | undefined;
  let finished = false;

  try {
    for (;;) {
      const block = await src.readExact(BLOCK, 'header');
      if (block === undefined) break;
      if (isZeroBlock(block)) {
        await checkEnd(src);
        break;
      }

      const raw = decodeHeader(block);
      const padded = Math.ceil(raw.size / BLOCK) * BLOCK;

      // Go's archive/tar (which docker, containerd and most scanners read layers with) lets a
      // second 'x' replace the first, and a 'g' swallow a pending 'x'; merging them instead would
      // give this entry another name than those tools see. Such a stream is refused.
      if ((raw.typeflag === 'x' || raw.typeflag === 'g') && pax !== undefined) {
        throw badTar('two extended headers for one entry', raw.name);
      }
      if (raw.typeflag === 'x' || raw.typeflag === 'L' || raw.typeflag === 'K') {
        if (raw.size > maxMeta) throw badTar(`${raw.typeflag} record too large`, raw.name);
        const data = (await src.readExact(padded, 'extended header')) ?? Buffer.alloc(0);
        const body = data.subarray(0, raw.size);
        if (raw.typeflag === 'x') pax = parsePax(body, raw.name);
        else if (raw.typeflag === 'L') longName = gnuLongName(body, raw.name);
        else longLink = gnuLongName(body, raw.name);
        continue;
      }
      if (raw.typeflag === 'g') {
        if (longName !== undefined || longLink !== undefined) {
          throw badTar('global header between a GNU long name and its entry', raw.name);
        }
        // Global headers set defaults for later entries; layer tools ignore them (moby archive.go).
        await src.skip(padded, 'global header');
        continue;
      }

      const header = applyOverrides(raw, pax, longName, longLink);
      const paxSparse = pax?.sparse;
      pax = undefined;
      longName = undefined;
      longLink = undefined;

      // Links, directories, devices and FIFOs carry no data whatever their size field says, as
      // in Go's archive/tar (isHeaderOnlyType), which wrote and reads most layers.
      let dataSize = header.type === 'file' ? header.size : 0;
      if (header.type !== 'file') header.size = 0;
      const sparse =
        raw.typeflag === 'S'
          ? await readOldGnuSparse(block, src, header.name, maxMeta / 24)
          : await readPaxSparse(paxSparse, src, header.name, Math.min(maxMeta, dataSize));
      if (sparse !== undefined) {
        if (header.type !== 'file') throw badTar('sparse map on a non-file entry', header.name);
        dataSize -= sparse.mapBytes;
        checkSparse(sparse, dataSize, header.name);
        header.size = sparse.realSize;
        header.sparse = sparse.segments;
        if (sparse.name !== undefined) header.name = sparse.name;
      }
      const body = new EntryBody(src, dataSize);
      yield { header, body };

      await body.finish();
      await src.skip(Math.ceil(dataSize / BLOCK) * BLOCK - dataSize, 'padding');
    }

    if (pax !== undefined || longName !== undefined || longLink !== undefined) {
      throw badTar('archive ends after an extended header');
    }
    await src.drain();
    finished = true;
  } finally {
    if (!finished) await src.close();
  }
}

/**
 * After a zero block: the archive ends if the stream does, or if a second zero block follows.
 * Go's reader refuses a zero block followed by a header (ErrHeader); GNU tar stops silently and
 * would hide every later entry from one tool but not another, so this is an error.
 */
async function checkEnd(src: ByteSource): Promise<void> {
  const next = await src.readExact(BLOCK, 'end of archive');
  if (next !== undefined && !isZeroBlock(next)) {
    throw badTar('a single zero block followed by more entries');
  }
}

function gnuLongName(body: Buffer, entry: string): string {
  let end = body.indexOf(0);
  if (end < 0) end = body.length;
  if (body.subarray(end).some((b) => b !== 0)) throw badTar('NUL byte inside GNU long name', entry);
  return body.toString('utf8', 0, end);
}

function applyOverrides(
  raw: RawHeader,
  pax: PaxOverrides | undefined,
  longName: string | undefined,
  longLink: string | undefined,
): TarHeader {
  const name = pax?.path ?? longName ?? raw.name;
  // Pre-POSIX archives mark directories with a NUL typeflag and a trailing slash; Go's reader
  // reads them so (TypeRegA), and so must this one.
  const type = raw.typeflag === '\0' && name.endsWith('/') ? 'dir' : TYPES[raw.typeflag];
  if (type === undefined) throw badTar(`unsupported entry type '${raw.typeflag}'`, name);

  const header: TarHeader = {
    name,
    type,
    mode: raw.mode & 0o7777,
    uid: pax?.uid ?? raw.uid,
    gid: pax?.gid ?? raw.gid,
    size: pax?.size ?? raw.size,
    mtime: pax?.mtime ?? raw.mtime,
    linkname: pax?.linkpath ?? longLink ?? raw.linkname,
    devmajor: raw.devmajor,
    devminor: raw.devminor,
    xattrs: pax?.xattrs ?? new Map(),
  };
  if (header.name === '') throw badTar('entry with an empty name');
  return header;
}

/** The body of one entry; tracks how much was consumed so the rest can be skipped. */
class EntryBody implements AsyncIterable<Buffer> {
  private left: number;
  private started = false;

  constructor(
    private readonly src: ByteSource,
    size: number,
  ) {
    this.left = size;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
    if (this.started) throw new Error('tar entry body can be read only once');
    this.started = true;
    for await (const slice of this.src.slices(this.left, 'entry body')) {
      this.left -= slice.length;
      yield slice;
    }
  }

  async finish(): Promise<void> {
    await this.src.skip(this.left, 'entry body');
    this.left = 0;
  }
}
