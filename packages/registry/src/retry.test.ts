import { describe, expect, it } from '@jest/globals';

import { parseTokenBody } from './auth.js';
import { Redactor } from './redact.js';
import { backoffDelay, isRetryableStatus, parseRetryAfter } from './retry.js';

const policy = { attempts: 4, baseDelayMs: 100, maxDelayMs: 1000 };

describe('retry policy', () => {
  it.each([
    [408, true],
    [429, true],
    [500, true],
    [503, true],
    [501, false],
    [505, false],
    [404, false],
    [401, false],
  ])('status %d retryable: %s', (status, expected) => {
    expect(isRetryableStatus(status)).toBe(expected);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });

  it('backs off exponentially with jitter, capped, Retry-After winning', () => {
    expect(backoffDelay(policy, 1, undefined, () => 0)).toBe(50);
    expect(backoffDelay(policy, 1, undefined, () => 1)).toBe(100);
    expect(backoffDelay(policy, 3, undefined, () => 1)).toBe(400);
    expect(backoffDelay(policy, 9, undefined, () => 1)).toBe(1000);
    expect(backoffDelay(policy, 1, 5000)).toBe(1000);
    expect(backoffDelay(policy, 1, 300)).toBe(300);
  });
});

describe('token responses', () => {
  it.each([
    ['{"token":"t1"}', { token: 't1', expiresIn: 60 }],
    ['{"access_token":"a","token":"t","expires_in":300}', { token: 'a', expiresIn: 300 }],
    ['{"access_token":"","token":"t"}', { token: 't', expiresIn: 60 }],
    ['{"token":"t","expires_in":-5}', { token: 't', expiresIn: 60 }],
    ['{"token":""}', undefined],
    ['{"token":"a b"}', undefined],
    ['{"token":"a\\r\\nX-Evil: 1"}', undefined],
    ['null', undefined],
    ['not json', undefined],
  ])('%s', (body, expected) => {
    expect(parseTokenBody(Buffer.from(body))).toEqual(expected);
  });
});

describe('Redactor', () => {
  it('blanks secrets, userinfo and query strings', () => {
    const r = new Redactor();
    r.add('s3cret-token');
    expect(r.text('Bearer s3cret-token failed for https://u:p@h/x')).toBe(
      'Bearer *** failed for https://***@h/x',
    );
    expect(r.url('https://u:p@storage.example/blob?X-Amz-Signature=abc')).toBe(
      'https://storage.example/blob?…',
    );
  });
});
