import { createHash, createPublicKey, createSign, type KeyObject } from 'node:crypto';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32(bytes: Buffer): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/**
 * The key id docker-registry 2.8 looks trusted keys up by: the libtrust fingerprint, i.e. the
 * first 240 bits of sha256 over the DER SubjectPublicKeyInfo, base32, in 12 groups of 4 joined
 * by ':' (docker/libtrust util.go keyIDFromCryptoKey; distribution registry/auth/token).
 */
export function libtrustKeyId(publicKey: KeyObject | string): string {
  const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey;
  const der = key.export({ type: 'spki', format: 'der' });
  const digest = createHash('sha256').update(der).digest().subarray(0, 30);
  const text = base32(digest);
  return text.match(/.{4}/g)?.join(':') ?? text;
}

function encodePart(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Signs `claims` as a compact RS256 JWT (RFC 7519) with `kid` in the header. */
export function signJwtRs256(claims: object, privateKeyPem: string, kid: string): string {
  const head = encodePart({ typ: 'JWT', alg: 'RS256', kid });
  const body = encodePart(claims);
  const signer = createSign('RSA-SHA256');
  signer.update(`${head}.${body}`);
  return `${head}.${body}.${signer.sign(privateKeyPem).toString('base64url')}`;
}
