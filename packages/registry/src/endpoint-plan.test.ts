import { describe, expect, it } from '@jest/globals';

import { isInsecureRegistry, parseMirrorSpec } from './index.js';
import { planEndpoints } from './endpoint-plan.js';

describe('parseMirrorSpec', () => {
  it('parses domain=url entries and bare URLs as docker.io mirrors', () => {
    expect(
      parseMirrorSpec(
        'docker.io=http://127.0.0.1:5000/, quay.io=https://m.example ,https://hub-mirror.example',
      ),
    ).toEqual({
      'docker.io': ['http://127.0.0.1:5000', 'https://hub-mirror.example'],
      'quay.io': ['https://m.example'],
    });
    expect(parseMirrorSpec('index.docker.io=http://m:1')).toEqual({ 'docker.io': ['http://m:1'] });
    expect(parseMirrorSpec('')).toEqual({});
  });

  it.each([
    'docker.io=ftp://x',
    'docker.io=not a url',
    'docker.io=http://m/path',
    'docker.io=http://u:p@m',
    '=http://m',
  ])('rejects %j', (spec) => {
    expect(() => parseMirrorSpec(spec)).toThrow(
      expect.objectContaining({ code: 'ERR_IZA_REGISTRY_INVALID_ARGUMENT' }),
    );
  });
});

describe('isInsecureRegistry', () => {
  it.each([
    ['localhost:5000', [], true],
    ['localhost', [], true],
    ['127.0.0.1:5000', [], true],
    ['127.9.9.9', [], true],
    ['[::1]:5000', [], true],
    ['registry.example', [], false],
    ['registry.example:5000', ['registry.example:5000'], true],
    ['registry.example:5000', ['registry.example'], true],
    ['registry.example:5001', ['registry.example:5000'], false],
    ['10.1.2.3:5000', ['10.0.0.0/8'], true],
    ['11.1.2.3:5000', ['10.0.0.0/8'], false],
  ])('%s with %j: %s', (domain, list, expected) => {
    expect(isInsecureRegistry(domain, list)).toBe(expected);
  });
});

describe('planEndpoints', () => {
  it('puts mirrors first and maps docker.io to registry-1.docker.io', () => {
    expect(planEndpoints('docker.io', { 'docker.io': ['http://m:1/'] }, [])).toEqual([
      { base: 'http://m:1', mirror: true, credentialKey: 'm:1' },
      { base: 'https://registry-1.docker.io', mirror: false, credentialKey: 'docker.io' },
    ]);
    expect(planEndpoints('ghcr.io', {}, [])).toEqual([
      { base: 'https://ghcr.io', mirror: false, credentialKey: 'ghcr.io' },
    ]);
    expect(planEndpoints('localhost:5000', {}, [])[0]?.base).toBe('http://localhost:5000');
  });
});
