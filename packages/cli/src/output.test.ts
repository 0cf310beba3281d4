import { describe, expect, it } from '@jest/globals';

import { formatTable, humanAge, humanSize, shortId } from './output.js';

describe('output formatting', () => {
  it.each<[number, string]>([
    [0, '0B'],
    [999, '999B'],
    [5_600_000, '5.6MB'],
    [199_000_000, '199MB'],
    [1_234_000_000, '1.23GB'],
  ])('shows %i bytes as %s, as docker images', (bytes, text) => {
    expect(humanSize(bytes)).toBe(text);
  });

  it('shows ages as docker does', () => {
    const now = new Date('2026-12-03T12:00:00Z');
    expect(humanAge(new Date('2026-12-03T11:59:59.5Z'), now)).toBe('Less than a second ago');
    expect(humanAge(new Date('2026-12-03T11:00:00Z'), now)).toBe('1 hour ago');
    expect(humanAge(new Date('2026-11-30T12:00:00Z'), now)).toBe('3 days ago');
  });

  it('aligns table columns with three spaces', () => {
    expect(
      formatTable(
        ['A', 'BB'],
        [
          ['x', 'y'],
          ['long', 'z'],
        ],
      ),
    ).toBe('A      BB\nx      y\nlong   z\n');
  });

  it('shortens digests to docker IDs', () => {
    expect(shortId('sha256:0123456789abcdef0123')).toBe('0123456789ab');
  });
});
