import { describe, expect, it } from '@jest/globals';

import { normalizeFlags } from './flag-syntax.js';
import type { OptionSpec } from './option-table.js';

const specs: OptionSpec[] = [
  { name: 'root', type: 'string', describe: '' },
  { name: 'debug', type: 'boolean', describe: '' },
  { name: 'interactive', alias: 'i', type: 'boolean', describe: '' },
  { name: 'tty', alias: 't', type: 'boolean', describe: '' },
  { name: 'env', alias: 'e', type: 'string', describe: '' },
  { name: 'workdir', alias: 'w', type: 'string', describe: '' },
  { name: 'memory', alias: 'm', type: 'string', describe: '' },
  { name: 'network', alias: 'net', type: 'string', describe: '' },
];

describe('normalizeFlags', () => {
  it.each<[string[], string[]]>([
    [
      ['run', 'alpine', 'ls', '-la'],
      ['run', 'alpine', 'ls', '-la'],
    ],
    [
      ['run', '-it', 'alpine'],
      ['run', '-i', '-t', 'alpine'],
    ],
    [
      ['run', '-m50m', 'alpine'],
      ['run', '--memory=50m', 'alpine'],
    ],
    [
      ['run', '-eFOO=bar', 'alpine'],
      ['run', '--env=FOO=bar', 'alpine'],
    ],
    [
      ['run', '-e=FOO', 'alpine'],
      ['run', '--env=FOO', 'alpine'],
    ],
    [
      ['run', '-itw/tmp', 'alpine'],
      ['run', '-i', '-t', '--workdir=/tmp', 'alpine'],
    ],
    [
      ['run', '-ite', 'A=1', 'alpine'],
      ['run', '-i', '-t', '--env=A=1', 'alpine'],
    ],
    [
      ['run', '-e', '-x', 'alpine'],
      ['run', '--env=-x', 'alpine'],
    ],
    [
      ['run', '-i=false', 'alpine'],
      ['run', '--interactive=false', 'alpine'],
    ],
    [
      ['run', '--env', 'A=1', 'alpine'],
      ['run', '--env=A=1', 'alpine'],
    ],
    [
      ['run', '--workdir', '-x', 'alpine'],
      ['run', '--workdir=-x', 'alpine'],
    ],
    [
      ['run', '--env=A=1', '--debug', 'alpine'],
      ['run', '--env=A=1', '--debug', 'alpine'],
    ],
    [
      ['run', '--net', 'none', 'alpine'],
      ['run', '--net=none', 'alpine'],
    ],
    [
      ['run', '--', 'alpine', '-d'],
      ['run', '--', 'alpine', '-d'],
    ],
    [
      ['run', '-h'],
      ['run', '-h'],
    ],
    [
      ['run', '--help'],
      ['run', '--help'],
    ],
    [
      ['run', '-e'],
      ['run', '-e'],
    ],
  ])('reads %j as docker does: %j', (argv, expected) => {
    expect(normalizeFlags(argv, 1, specs)).toEqual({ argv: expected });
  });

  it.each<[string[], string]>([
    [['run', '-d', 'alpine', 'true'], '-d'],
    [['run', '-itd', 'alpine'], '-d'],
    [['run', '--privileged', 'alpine'], '--privileged'],
    [['run', '--cap-add=NET_ADMIN', 'alpine'], '--cap-add'],
    [['run', '--no-env', 'alpine'], '--no-env'],
    // docker has no negations; yargs' are turned off too.
    [['run', '--no-debug', 'alpine'], '--no-debug'],
  ])('names the unknown flag of %j: %s', (argv, flag) => {
    expect(normalizeFlags(argv, 1, specs)).toEqual({ unknown: flag });
  });

  it('leaves the arguments before `from` alone', () => {
    expect(normalizeFlags(['-x', 'run', '-it', 'a'], 2, specs)).toEqual({
      argv: ['-x', 'run', '-i', '-t', 'a'],
    });
  });
});
