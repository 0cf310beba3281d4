import { badTar } from '../errors.js';
import { decimal as sparseDecimal } from './sparse.js';
import type { PaxSparse } from './sparse.js';

/** The PAX keys a layer extractor must honour, parsed out of an `x` record set. */
export interface PaxOverrides {
  path?: string;
  linkpath?: string;
  size?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
  xattrs: Map<string, Buffer>;
  /** GNU sparse records (`GNU.sparse.*`), when present. */
  sparse?: PaxSparse;
}

const XATTR_PREFIX = 'SCHILY.xattr.';
const SPARSE_PREFIX = 'GNU.sparse.';

/**
 * Parses PAX extended header records (`"<len> <key>=<value>\n"`, POSIX pax(1) "pax Extended
 * Header"). Values stay raw bytes until a key needs text, so binary xattr values containing NUL
 * survive. Anything that could make two parsers disagree (a length that does not match, NUL in
 * a path, a negative or non-decimal number) is an error rather than a guess.
 */
export function parsePax(buf: Buffer, entry: string): PaxOverrides {
  const out: PaxOverrides = { xattrs: new Map() };
  let pos = 0;

  while (pos < buf.length) {
    // Trailing NUL padding after the last record is written by some tools.
    if (buf[pos] === 0 && buf.subarray(pos).every((b) => b === 0)) break;

    const space = buf.indexOf(0x20, pos);
    if (space < 0 || space - pos > 20) throw badTar('malformed pax record length', entry);
    const lenText = buf.toString('latin1', pos, space);
    if (!/^[1-9][0-9]*$/.test(lenText)) throw badTar('malformed pax record length', entry);

    const len = Number(lenText);
    const end = pos + len;
    if (end > buf.length || buf[end - 1] !== 0x0a) throw badTar('pax record overruns', entry);

    const eq = buf.indexOf(0x3d, space + 1);
    if (eq < 0 || eq >= end) throw badTar('pax record without =', entry);

    const key = buf.toString('utf8', space + 1, eq);
    applyRecord(out, key, buf.subarray(eq + 1, end - 1), entry);
    pos = end;
  }

  return out;
}

function applyRecord(out: PaxOverrides, key: string, value: Buffer, entry: string): void {
  if (key.startsWith(XATTR_PREFIX)) {
    const name = key.slice(XATTR_PREFIX.length);
    if (name === '' || name.includes('\0')) throw badTar('malformed xattr name', entry);
    out.xattrs.set(name, Buffer.from(value));
    return;
  }
  if (key.startsWith(SPARSE_PREFIX)) {
    applySparse((out.sparse ??= {}), key.slice(SPARSE_PREFIX.length), value, entry);
    return;
  }

  switch (key) {
    case 'path':
    case 'linkpath': {
      const text = value.toString('utf8');
      if (text.includes('\0')) throw badTar(`NUL byte in pax ${key}`, entry);
      // An empty value deletes the override (POSIX pax "Extended Header Keyword Precedence").
      if (text === '') delete out[key];
      else out[key] = text;
      return;
    }
    case 'size':
    case 'uid':
    case 'gid':
      out[key] = decimal(value, key, entry);
      return;
    case 'mtime':
      out.mtime = seconds(value, entry);
      return;
    default:
      // uname, gname, atime, ctime, comment, charset: meaningless for extraction.
      return;
  }
}

/** GNU tar's sparse keys (GNU tar manual, "GNU PAX Format"); unknown ones are ignored, as Go. */
function applySparse(out: PaxSparse, key: string, value: Buffer, entry: string): void {
  const text = value.toString('latin1');
  switch (key) {
    case 'major':
    case 'minor':
      out[key] = text;
      return;
    case 'name': {
      const name = value.toString('utf8');
      if (name.includes('\0')) throw badTar('NUL byte in GNU.sparse.name', entry);
      out.name = name;
      return;
    }
    case 'size':
    case 'realsize':
      out.realSize = decimal(value, `GNU.sparse.${key}`, entry);
      return;
    case 'numblocks':
      out.numBlocks = decimal(value, 'GNU.sparse.numblocks', entry);
      return;
    case 'map':
      if (out.map !== undefined) throw badTar('two GNU sparse maps', entry);
      out.map = text === '' ? [] : text.split(',').map((n) => sparseDecimal(n, entry));
      out.pairs = false;
      return;
    case 'offset':
    case 'numbytes': {
      // Format 0.0 repeats the pair, offset first (Go's archive/tar checks the same order).
      if (out.pairs === false) throw badTar('two GNU sparse maps', entry);
      out.pairs = true;
      const map = (out.map ??= []);
      if ((map.length % 2 === 0) !== (key === 'offset')) {
        throw badTar('GNU.sparse.offset and numbytes out of order', entry);
      }
      map.push(decimal(value, `GNU.sparse.${key}`, entry));
      return;
    }
    default:
      return;
  }
}

function decimal(value: Buffer, key: string, entry: string): number {
  const text = value.toString('latin1');
  if (!/^[0-9]{1,16}$/.test(text)) throw badTar(`malformed pax ${key} '${text}'`, entry);
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw badTar(`pax ${key} too large`, entry);
  return n;
}

function seconds(value: Buffer, entry: string): number {
  const text = value.toString('latin1');
  if (!/^-?[0-9]{1,19}(\.[0-9]{1,9})?$/.test(text)) throw badTar(`malformed pax mtime`, entry);
  return Number(text);
}
