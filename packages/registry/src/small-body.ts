import { RegistryErrorCode, registryError } from './errors.js';
import type { Exchange } from './http-exchange.js';
import { MANIFEST_CAP } from './manifest.js';

/** Reads a small body (manifest, config) refusing more than {@link MANIFEST_CAP} bytes. */
export async function readSmallBody(ex: Exchange, what: string): Promise<Buffer> {
  const length = Number(ex.header('content-length') ?? '0');
  const tooBig = (): Error =>
    registryError(RegistryErrorCode.Protocol, `${what} is larger than ${MANIFEST_CAP} bytes`, {
      hint: 'manifests and configs are small; the registry sent something else',
    });
  if (length > MANIFEST_CAP) {
    ex.discard();
    throw tooBig();
  }
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of ex.chunks()) {
    size += chunk.length;
    if (size > MANIFEST_CAP) throw tooBig();
    parts.push(chunk);
  }
  return Buffer.concat(parts);
}
