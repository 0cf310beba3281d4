/**
 * Writes tar bytes by hand so tests can build exactly the (hostile) archives they need,
 * including ones no well-behaved writer would produce.
 */
export interface RawEntry {
  name: string;
  /** Typeflag character: '0' file, '1' hardlink, '2' symlink, '3' char, '4' block, '5' dir, '6' fifo, 'x', 'L', 'K', 'g'. */
  type?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  /** Content; for 'x' entries use {@link paxBody}. */
  body?: Buffer | string;
  /** Overrides the size field (to lie about it). */
  size?: number;
  /** Writes the size field in GNU base-256 (with this raw 12-byte buffer when given). */
  rawSize?: Buffer;
  /** Raw 8-byte uid and gid fields (GNU base-256 for ids past the octal limit). */
  rawUid?: Buffer;
  rawGid?: Buffer;
  /** Corrupt the checksum. */
  badChecksum?: boolean;
  /** PAX records emitted in an 'x' header before this entry. */
  pax?: Record<string, Buffer | string>;
  /** Emit a GNU 'L' long-name header carrying this name before the entry. */
  gnuLongName?: string;
}

const BLOCK = 512;

function octal(buf: Buffer, off: number, len: number, value: number): void {
  buf.write(value.toString(8).padStart(len - 1, '0') + '\0', off, len, 'latin1');
}

/** One 512-byte header. */
export function headerBlock(e: RawEntry): Buffer {
  const b = Buffer.alloc(BLOCK);
  const name = Buffer.from(e.name, 'utf8');
  name.copy(b, 0, 0, Math.min(100, name.length));
  octal(b, 100, 8, e.mode ?? (e.type === '5' ? 0o755 : 0o644));
  if (e.rawUid) e.rawUid.copy(b, 108);
  else octal(b, 108, 8, e.uid ?? 0);
  if (e.rawGid) e.rawGid.copy(b, 116);
  else octal(b, 116, 8, e.gid ?? 0);
  const body = e.body === undefined ? Buffer.alloc(0) : Buffer.from(e.body);
  if (e.rawSize) e.rawSize.copy(b, 124);
  else octal(b, 124, 12, e.size ?? body.length);
  octal(b, 136, 12, e.mtime ?? 1_700_000_000);
  b.write(e.type ?? '0', 156, 1, 'latin1');
  if (e.linkname !== undefined) Buffer.from(e.linkname, 'utf8').copy(b, 157, 0, 100);
  b.write('ustar\u000000', 257, 8, 'latin1');
  octal(b, 329, 8, e.devmajor ?? 0);
  octal(b, 337, 8, e.devminor ?? 0);

  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const x of b) sum += x;
  octal(b, 148, 7, e.badChecksum ? sum + 1 : sum);
  b[155] = 0x20;
  return b;
}

/** PAX records, `<len> <key>=<value>\n`, with the length computed as POSIX requires. */
export function paxBody(records: Record<string, Buffer | string>): Buffer {
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(records)) {
    const payload = Buffer.concat([Buffer.from(` ${k}=`), Buffer.from(v), Buffer.from('\n')]);
    let len = payload.length + 1;
    while (String(len).length + payload.length !== len) len++;
    parts.push(Buffer.concat([Buffer.from(String(len)), payload]));
  }
  return Buffer.concat(parts);
}

function pad(buf: Buffer): Buffer {
  const rem = buf.length % BLOCK;
  return rem === 0 ? buf : Buffer.concat([buf, Buffer.alloc(BLOCK - rem)]);
}

/** A whole archive with the two zero blocks at the end. */
export function buildTar(entries: RawEntry[], options: { end?: boolean } = {}): Buffer {
  const out: Buffer[] = [];
  for (const e of entries) {
    if (e.pax) {
      const body = paxBody(e.pax);
      out.push(headerBlock({ name: 'PaxHeader', type: 'x', body }), pad(body));
    }
    if (e.gnuLongName !== undefined) {
      const body = Buffer.from(e.gnuLongName + '\0');
      out.push(headerBlock({ name: '././@LongLink', type: 'L', body }), pad(body));
    }
    const body = e.body === undefined ? Buffer.alloc(0) : Buffer.from(e.body);
    out.push(headerBlock(e), pad(body));
  }
  if (options.end !== false) out.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(out);
}

/** An async iterable over `buf` in chunks of `size` bytes (to exercise chunk boundaries). */
export async function* chunked(buf: Buffer, size = 7919): AsyncGenerator<Buffer> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}
