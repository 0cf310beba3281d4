import { describe, expect, it } from '@jest/globals';

import {
  formatPlatform,
  hostPlatform,
  parsePlatform,
  platformMatches,
  selectManifest,
  type Descriptor,
  type ImageIndex,
} from './index.js';

const host = { os: 'linux', architecture: 'amd64' };

describe('parsePlatform', () => {
  it.each([
    ['linux/amd64', 'linux/amd64'],
    ['linux/x86_64', 'linux/amd64'],
    ['linux/x86-64/v1', 'linux/amd64'],
    ['linux/amd64/v3', 'linux/amd64/v3'],
    ['linux/aarch64', 'linux/arm64'],
    ['linux/arm64/v8', 'linux/arm64'],
    ['linux/arm64/8', 'linux/arm64'],
    ['linux/arm64/v8.0', 'linux/arm64'],
    ['linux/arm64/9', 'linux/arm64/v9'],
    ['linux/arm', 'linux/arm/v7'],
    ['linux/arm/7', 'linux/arm/v7'],
    ['linux/arm/6', 'linux/arm/v6'],
    ['linux/armhf', 'linux/arm/v7'],
    ['linux/armel', 'linux/arm/v6'],
    ['linux/i386', 'linux/386'],
    ['LINUX/AMD64', 'linux/amd64'],
    ['macos/arm64', 'darwin/arm64'],
    ['linux', 'linux/amd64'],
    ['arm64', 'linux/arm64'],
    ['linux/ppc64le', 'linux/ppc64le'],
  ])('%s → %s', (input, expected) => {
    expect(formatPlatform(parsePlatform(input, host))).toBe(expected);
  });

  it.each(['', 'linux/amd64/v2/x', 'linux/am d64', 'linux//amd64'])('rejects %j', (input) => {
    expect(() => parsePlatform(input, host)).toThrow(
      expect.objectContaining({ code: 'ERR_IZA_REGISTRY_INVALID_PLATFORM' }),
    );
  });
});

describe('hostPlatform', () => {
  it.each([
    [{ platform: 'linux', arch: 'x64' }, 'linux/amd64'],
    [{ platform: 'linux', arch: 'arm64' }, 'linux/arm64'],
    [{ platform: 'linux', arch: 'arm', armVersion: '7' }, 'linux/arm/v7'],
    [{ platform: 'linux', arch: 'ia32' }, 'linux/386'],
  ])('maps Node %j to %s', (node, expected) => {
    expect(formatPlatform(hostPlatform(node))).toBe(expected);
  });
});

describe('platformMatches', () => {
  it.each([
    ['linux/amd64', 'linux/amd64', true],
    ['linux/amd64', 'linux/386', true],
    ['linux/amd64/v3', 'linux/amd64/v2', true],
    ['linux/amd64', 'linux/amd64/v2', false],
    ['linux/arm64', 'linux/arm64/v8.0', true],
    ['linux/arm64', 'linux/arm/v7', true],
    ['linux/arm/v7', 'linux/arm/v5', true],
    ['linux/arm/v6', 'linux/arm/v7', false],
    ['linux/amd64', 'windows/amd64', false],
    ['linux/amd64', 'linux/arm64', false],
  ])('host %s runs %s: %s', (h, c, expected) => {
    expect(platformMatches(parsePlatform(h, host), parsePlatform(c, host))).toBe(expected);
  });
});

function entry(
  digit: string,
  platform?: Descriptor['platform'],
  annotations?: Record<string, string>,
): Descriptor {
  return {
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    digest: `sha256:${digit.repeat(64)}`,
    size: 1,
    ...(platform ? { platform } : {}),
    ...(annotations ? { annotations } : {}),
  };
}

describe('selectManifest', () => {
  const index: ImageIndex = {
    schemaVersion: 2,
    manifests: [
      entry(
        '0',
        { os: 'unknown', architecture: 'unknown' },
        { 'vnd.docker.reference.type': 'attestation-manifest' },
      ),
      entry('1', { os: 'linux', architecture: '386' }),
      entry('2', { os: 'linux', architecture: 'amd64' }),
      entry('3', { os: 'linux', architecture: 'amd64' }),
      entry('4', { os: 'linux', architecture: 'arm', variant: 'v6' }),
      { ...entry('5', { os: 'linux', architecture: 's390x' }), mediaType: 'application/x-unknown' },
    ],
  };

  it('prefers an exact match over a compatible one, first entry winning', () => {
    expect(selectManifest(index, host).digest).toBe(entry('2').digest);
  });

  it('falls back along the preference vector', () => {
    expect(selectManifest(index, { os: 'linux', architecture: 'arm', variant: 'v7' }).digest).toBe(
      entry('4').digest,
    );
  });

  it('tells entries apart by variant alone', () => {
    const arm: ImageIndex = {
      schemaVersion: 2,
      manifests: [
        entry('6', { os: 'linux', architecture: 'arm', variant: 'v6' }),
        entry('7', { os: 'linux', architecture: 'arm', variant: 'v7' }),
        entry('8', { os: 'linux', architecture: 'arm64', variant: 'v8' }),
      ],
    };
    const pick = (variant: string) =>
      selectManifest(arm, { os: 'linux', architecture: 'arm', variant }).digest;
    expect([pick('v7'), pick('v6')]).toEqual([entry('7').digest, entry('6').digest]);
    expect(() => pick('v5')).toThrow(
      expect.objectContaining({ code: 'ERR_IZA_REGISTRY_NO_MATCHING_PLATFORM' }),
    );
  });

  it('takes an entry without a platform only after every labelled match', () => {
    const mixed: ImageIndex = {
      schemaVersion: 2,
      manifests: [entry('9'), entry('2', { os: 'linux', architecture: 'amd64' })],
    };
    expect(selectManifest(mixed, host).digest).toBe(entry('2').digest);
    const arm = { os: 'linux', architecture: 'arm64' };
    expect(selectManifest(mixed, arm).digest).toBe(entry('9').digest);
  });

  it('skips unknown media types and lists what is available', () => {
    expect(() => selectManifest(index, { os: 'linux', architecture: 's390x' }, 'x:1')).toThrow(
      expect.objectContaining({
        code: 'ERR_IZA_REGISTRY_NO_MATCHING_PLATFORM',
        message:
          'no manifest for platform linux/s390x in x:1; available: linux/386, linux/amd64, linux/amd64, linux/arm/v6',
      }),
    );
  });
});
