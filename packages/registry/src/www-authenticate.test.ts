import { describe, expect, it } from '@jest/globals';

import { parseWwwAuthenticate } from './index.js';

describe('parseWwwAuthenticate', () => {
  it.each([
    [
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:samalba/my-app:pull,push"',
      [
        {
          scheme: 'bearer',
          params: {
            realm: 'https://auth.docker.io/token',
            service: 'registry.docker.io',
            scope: 'repository:samalba/my-app:pull,push',
          },
        },
      ],
    ],
    ['Basic realm="Registry Realm"', [{ scheme: 'basic', params: { realm: 'Registry Realm' } }]],
    ['BASIC Realm=x', [{ scheme: 'basic', params: { realm: 'x' } }]],
    ['Bearer realm="a\\"b\\\\c"', [{ scheme: 'bearer', params: { realm: 'a"b\\c' } }]],
    [
      'Basic realm="r", Bearer realm="https://t/token",service="s"',
      [
        { scheme: 'basic', params: { realm: 'r' } },
        { scheme: 'bearer', params: { realm: 'https://t/token', service: 's' } },
      ],
    ],
    [
      'Negotiate, Basic realm=x',
      [
        { scheme: 'negotiate', params: {} },
        { scheme: 'basic', params: { realm: 'x' } },
      ],
    ],
    [
      'Basic dXNlcjpwYXNz==, Bearer realm=r',
      [
        { scheme: 'basic', params: {} },
        { scheme: 'bearer', params: { realm: 'r' } },
      ],
    ],
    [
      'Bearer  realm = "r" ,  service = s',
      [{ scheme: 'bearer', params: { realm: 'r', service: 's' } }],
    ],
    ['', []],
  ])('parses %j', (header, expected) => {
    expect(parseWwwAuthenticate(header)).toEqual(expected);
  });

  it('reads several header fields', () => {
    expect(parseWwwAuthenticate(['Basic realm=a', 'Bearer realm=b']).map((c) => c.scheme)).toEqual([
      'basic',
      'bearer',
    ]);
  });
});
