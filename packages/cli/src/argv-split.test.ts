import { describe, expect, it } from '@jest/globals';

import { findCommand, nextPositional } from './argv-split.js';

const valued = new Set(['--root', '-e', '--env', '-v']);

describe('argv splitting', () => {
  it.each<[string[], number]>([
    [['run', 'alpine'], 0],
    [['--root', '/r', 'run', 'alpine'], 2],
    [['--root=/r', 'run'], 1],
    [['--debug', 'images'], 1],
    [['--root', '/r'], -1],
  ])('finds the command in %j at %i', (argv, index) => {
    expect(findCommand(argv, valued)).toBe(index);
  });

  it.each<[string[], number]>([
    [['run', 'alpine', 'ls', '-la'], 1],
    [['run', '-e', 'A=1', 'alpine', 'sh'], 3],
    [['run', '-it', 'alpine', 'sh'], 2],
    [['run', '-ie', 'A=1', 'alpine'], 3],
    [['run', '--', 'alpine'], 2],
    [['run', '--rm'], -1],
  ])('finds the image of %j at %i, leaving the container its own flags', (argv, index) => {
    expect(nextPositional(argv, 1, valued)).toBe(index);
  });
});
