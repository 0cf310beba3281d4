import { describe, expect, it } from '@jest/globals';

import { caDeferred, userEnv } from './deferred-ca.js';

describe('userEnv', () => {
  it('gives NODE_EXTRA_CA_CERTS back under its own name and drops the carrier', () => {
    const env = { PATH: '/bin', IZA_NODE_EXTRA_CA_CERTS: '/etc/ca.pem' };

    expect(userEnv(env)).toEqual({ PATH: '/bin', NODE_EXTRA_CA_CERTS: '/etc/ca.pem' });
    expect(env).toEqual({ PATH: '/bin', IZA_NODE_EXTRA_CA_CERTS: '/etc/ca.pem' });
  });

  it('returns the environment as it is when bin/iza moved nothing', () => {
    const env = { PATH: '/bin', NODE_EXTRA_CA_CERTS: '/etc/ca.pem' };
    expect(userEnv(env)).toBe(env);
    expect(caDeferred(env)).toBe(false);
  });

  it('says the file was moved aside even when its value is empty', () => {
    expect(caDeferred({ IZA_NODE_EXTRA_CA_CERTS: '' })).toBe(true);
  });
});
