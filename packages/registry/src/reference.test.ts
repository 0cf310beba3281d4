import { describe, expect, it } from '@jest/globals';

import { parseReference } from './index.js';

const D = `sha256:${'a'.repeat(64)}`;

describe('parseReference', () => {
  it.each([
    [
      'alpine',
      'docker.io',
      'library/alpine',
      'latest',
      undefined,
      'docker.io/library/alpine:latest',
      'alpine',
    ],
    [
      'alpine:3.20',
      'docker.io',
      'library/alpine',
      '3.20',
      undefined,
      'docker.io/library/alpine:3.20',
      'alpine',
    ],
    [
      'docker.io/alpine',
      'docker.io',
      'library/alpine',
      'latest',
      undefined,
      'docker.io/library/alpine:latest',
      'alpine',
    ],
    [
      'index.docker.io/library/alpine',
      'docker.io',
      'library/alpine',
      'latest',
      undefined,
      'docker.io/library/alpine:latest',
      'alpine',
    ],
    ['user/app:v1', 'docker.io', 'user/app', 'v1', undefined, 'docker.io/user/app:v1', 'user/app'],
    [
      'library/a/b',
      'docker.io',
      'library/a/b',
      'latest',
      undefined,
      'docker.io/library/a/b:latest',
      'library/a/b',
    ],
    ['localhost/x', 'localhost', 'x', 'latest', undefined, 'localhost/x:latest', 'localhost/x'],
    [
      'localhost:5000/x/y:t',
      'localhost:5000',
      'x/y',
      't',
      undefined,
      'localhost:5000/x/y:t',
      'localhost:5000/x/y',
    ],
    [
      'localhost',
      'docker.io',
      'library/localhost',
      'latest',
      undefined,
      'docker.io/library/localhost:latest',
      'localhost',
    ],
    [
      'localhost:5000',
      'docker.io',
      'library/localhost',
      '5000',
      undefined,
      'docker.io/library/localhost:5000',
      'localhost',
    ],
    [
      'ghcr.io/o/r:T_1.x-y',
      'ghcr.io',
      'o/r',
      'T_1.x-y',
      undefined,
      'ghcr.io/o/r:T_1.x-y',
      'ghcr.io/o/r',
    ],
    [
      '127.0.0.1:5000/app',
      '127.0.0.1:5000',
      'app',
      'latest',
      undefined,
      '127.0.0.1:5000/app:latest',
      '127.0.0.1:5000/app',
    ],
    [
      '[::1]:5000/app',
      '[::1]:5000',
      'app',
      'latest',
      undefined,
      '[::1]:5000/app:latest',
      '[::1]:5000/app',
    ],
    ['Foo/bar', 'Foo', 'bar', 'latest', undefined, 'Foo/bar:latest', 'Foo/bar'],
    [
      `alpine@${D}`,
      'docker.io',
      'library/alpine',
      undefined,
      D,
      `docker.io/library/alpine@${D}`,
      'alpine',
    ],
    [
      `alpine:3@${D}`,
      'docker.io',
      'library/alpine',
      undefined,
      D,
      `docker.io/library/alpine@${D}`,
      'alpine',
    ],
    [
      'a__b-c---d/e_f.g',
      'docker.io',
      'a__b-c---d/e_f.g',
      'latest',
      undefined,
      'docker.io/a__b-c---d/e_f.g:latest',
      'a__b-c---d/e_f.g',
    ],
  ])('parses %s', (input, domain, path, tag, digest, canonical, familiarName) => {
    const ref = parseReference(input);
    expect(ref.domain).toBe(domain);
    expect(ref.path).toBe(path);
    expect(ref.tag).toBe(tag);
    expect(ref.digest).toBe(digest);
    expect(ref.toString()).toBe(canonical);
    expect(`${ref}`).toBe(canonical);
    expect(ref.familiarName).toBe(familiarName);
  });

  it.each([
    ['', 'empty'],
    ['a'.repeat(64), 'image id'],
    ['Alpine', 'lowercase'],
    ['docker.io/Library/alpine', 'lowercase'],
    ['alpine:', 'grammar'],
    [':tag', 'grammar'],
    ['alpine:-bad', 'grammar'],
    [`alpine:${'t'.repeat(129)}`, 'grammar'],
    ['a//b', 'grammar'],
    ['a/b/', 'grammar'],
    ['-a/b', 'grammar'],
    ['a_-b', 'grammar'],
    ['host:port/app', 'grammar'],
    ['alpine@sha256:abc', 'grammar'],
    [`alpine@sha256:${'A'.repeat(64)}`, 'digest'],
    [`alpine@md5:${'a'.repeat(32)}`, 'digest'],
    [`alpine@sha256:${'a'.repeat(63)}`, 'digest'],
    [`example.com/${'a'.repeat(250)}`, 'longer than 255'],
    ['alpine with space', 'grammar'],
    // A first component with a dot is a domain, and domains cannot hold underscores.
    ['a__b.c/d', 'domain'],
  ])('rejects %j (%s)', (input, why) => {
    let err: unknown;
    try {
      parseReference(input);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({
      code: 'ERR_IZA_REGISTRY_INVALID_REFERENCE',
      hint: expect.any(String) as unknown as string,
    });
    expect((err as Error).message).toMatch(
      why === 'grammar' ? /grammar/ : new RegExp(why === 'image id' ? 'image id' : why),
    );
  });

  it('accepts a name of exactly 255 characters', () => {
    const path = 'a'.repeat(255 - 'example.com/'.length);
    expect(parseReference(`example.com/${path}`).path).toBe(path);
  });
});
