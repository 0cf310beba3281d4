import { describe, expect, it } from '@jest/globals';

import { parseFast, valuedFlags } from './option-table.js';
import type { OptionSpec } from './option-table.js';

const specs: OptionSpec[] = [
  { name: 'root', type: 'string', describe: '', default: '/var/lib/iza' },
  { name: 'interactive', alias: 'i', type: 'boolean', describe: '', default: false },
  { name: 'tty', alias: 't', type: 'boolean', describe: '', default: false },
  { name: 'env', alias: 'e', type: 'string', repeat: true, describe: '' },
  { name: 'pull', type: 'string', choices: ['missing', 'never'], default: 'missing', describe: '' },
  { name: 'pids-limit', type: 'string', describe: '' },
];

describe('parseFast', () => {
  it.each<[string[], Record<string, unknown>]>([
    [['alpine'], { _: ['alpine'], root: '/var/lib/iza', interactive: false, pull: 'missing' }],
    [['-it', 'alpine'], { _: ['alpine'], interactive: true, tty: true }],
    [['--root', '/r', 'alpine'], { root: '/r' }],
    [['--root=/r', 'alpine'], { root: '/r' }],
    [['-e', 'A=1', 'alpine'], { env: 'A=1' }],
    [['-e', 'A=1', '--env=B=2', 'alpine'], { env: ['A=1', 'B=2'] }],
    [['--pids-limit', '20', 'alpine'], { pidsLimit: '20' }],
    [['--pull', 'never', 'alpine'], { pull: 'never' }],
  ])('reads %j as yargs would', (args, expected) => {
    expect(parseFast(args, specs)).toMatchObject(expected);
  });

  it.each([
    [['--help', 'alpine']],
    [['--unknown', 'alpine']],
    [['-ix', 'alpine']],
    [['--pull', 'sometimes', 'alpine']],
    [['--interactive=yes', 'alpine']],
    [['-e']],
  ])('leaves %j to yargs (help, unknown, invalid)', (args) => {
    expect(parseFast(args, specs)).toBeUndefined();
  });
});

describe('valuedFlags', () => {
  it('lists the long and short flags of options that take a value', () => {
    expect([...valuedFlags(specs)].sort()).toEqual([
      '--env',
      '--pids-limit',
      '--pull',
      '--root',
      '-e',
    ]);
  });
});
