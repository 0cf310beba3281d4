import { describe, expect, it } from '@jest/globals';
import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { failureReport } from './cli-output.js';
import { libtrustKeyId, signJwtRs256 } from './jwt.js';
import { parseMountinfo } from './mountinfo.js';
import { registryConfigYaml } from './registry-config.js';

describe('parseMountinfo', () => {
  it('decodes octal escapes in mount points and reads the fields after the separator', () => {
    const line =
      '36 35 98:0 /mnt1 /mnt\\040with\\040space rw,noatime master:1 - ext3 /dev/root rw,errors=continue';
    expect(parseMountinfo(line)).toEqual([
      {
        root: '/mnt1',
        mountPoint: '/mnt with space',
        fsType: 'ext3',
        source: '/dev/root',
        superOptions: 'rw,errors=continue',
      },
    ]);
  });

  it('finds the separator when there are no optional fields', () => {
    const [entry] = parseMountinfo('1 2 0:1 / /x rw - overlay overlay rw,lowerdir=/a');
    expect(entry).toMatchObject({ mountPoint: '/x', fsType: 'overlay' });
  });
});

describe('signJwtRs256 and libtrustKeyId', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

  it('signs a token the public key verifies, with the kid in the header', () => {
    const token = signJwtRs256({ sub: 'x' }, pem, 'KID');
    const [head = '', body = '', sig = ''] = token.split('.');

    expect(JSON.parse(Buffer.from(head, 'base64url').toString())).toEqual({
      typ: 'JWT',
      alg: 'RS256',
      kid: 'KID',
    });
    expect(JSON.parse(Buffer.from(body, 'base64url').toString())).toEqual({ sub: 'x' });
    const ok = verify(
      'RSA-SHA256',
      Buffer.from(`${head}.${body}`),
      publicKey,
      Buffer.from(sig, 'base64url'),
    );
    expect(ok).toBe(true);
  });

  it('formats the key id as 12 colon-separated groups of 4 base32 characters', () => {
    const kid = libtrustKeyId(createPublicKey(pem));
    expect(kid).toMatch(/^([A-Z2-7]{4}:){11}[A-Z2-7]{4}$/);
    expect(libtrustKeyId(publicKey)).toBe(kid);
  });
});

describe('registryConfigYaml', () => {
  it('quotes paths and writes the token section distribution expects', () => {
    const yaml = registryConfigYaml({
      storageDir: '/tmp/a "b"',
      port: 5000,
      auth: {
        kind: 'token',
        realm: 'http://r/token',
        service: 's',
        issuer: 'i',
        certBundlePath: '/c',
      },
    });
    expect(yaml).toContain('    rootdirectory: "/tmp/a \\"b\\""\n');
    expect(yaml).toContain('  addr: "127.0.0.1:5000"\n');
    expect(yaml).toContain('auth:\n  token:\n    realm: "http://r/token"\n');
  });
});

describe('failureReport', () => {
  it('separates error, hint and stack lines', () => {
    const stderr = 'Error: boom\nhint: try again\n    at main (/x/y.js:1:2)\n';
    const report = failureReport({
      exitCode: 1,
      signal: undefined,
      stdout: '',
      stderr,
      durationMs: 1,
    });
    expect(report).toEqual({
      exitCode: 1,
      errors: ['Error: boom'],
      hints: ['hint: try again'],
      stackFrames: ['    at main (/x/y.js:1:2)'],
    });
  });
});
