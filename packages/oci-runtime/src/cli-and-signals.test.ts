import { describe, expect, it } from '@jest/globals';

import { cgroupPlacement, OciErrorCode, parseSignal } from './index.js';

import { parseArgv } from './cli/argv.js';

describe('parseArgv', () => {
  it.each<[string[], ReturnType<typeof parseArgv>]>([
    [
      [
        '--root',
        '/r',
        '--log',
        '/l.json',
        '--log-format=json',
        'create',
        '--bundle',
        '/b',
        '--pid-file',
        '/p',
        'c1',
      ],
      {
        global: { root: '/r', log: '/l.json', 'log-format': 'json' },
        command: 'create',
        flags: { bundle: '/b', 'pid-file': '/p' },
        args: ['c1'],
      },
    ],
    [
      ['kill', '--all', 'c1', 'KILL'],
      { global: {}, command: 'kill', flags: { all: true }, args: ['c1', 'KILL'] },
    ],
    [['kill', 'c1', '-9'], { global: {}, command: 'kill', flags: {}, args: ['c1', '-9'] }],
    [
      ['delete', '-f', 'c1'],
      { global: {}, command: 'delete', flags: { force: true }, args: ['c1'] },
    ],
    [
      ['create', '-b', 'x', '--no-new-keyring', 'c', '--preserve-fds', '0'],
      {
        global: {},
        command: 'create',
        flags: { bundle: 'x', 'no-new-keyring': true, 'preserve-fds': '0' },
        args: ['c'],
      },
    ],
    [['--version'], { global: { version: true }, command: undefined, flags: {}, args: [] }],
    [['state', '--', '-odd-id'], { global: {}, command: 'state', flags: {}, args: ['-odd-id'] }],
    // What containerd's shim and conmon pass.
    [
      ['exec', '--process', '/p.json', '--detach', '--pid-file', '/pid', 'c1'],
      {
        global: {},
        command: 'exec',
        flags: { process: '/p.json', detach: true, 'pid-file': '/pid' },
        args: ['c1'],
      },
    ],
    // After the id, runc stops reading flags: -c and -e belong to the command.
    [
      ['exec', '-t', '-e', 'A=1', '--env=B=2', '-u', '1000', 'c1', 'sh', '-c', 'echo -e x'],
      {
        global: {},
        command: 'exec',
        flags: { tty: true, env: ['A=1', 'B=2'], user: '1000' },
        args: ['c1', 'sh', '-c', 'echo -e x'],
      },
    ],
    [
      ['exec', 'c1', '--', 'ls', '-l'],
      { global: {}, command: 'exec', flags: {}, args: ['c1', 'ls', '-l'] },
    ],
    [
      ['ps', '-f', 'json', 'c1'],
      { global: {}, command: 'ps', flags: { format: 'json' }, args: ['c1'] },
    ],
    [
      ['ps', 'c1', '-o', 'pid,comm'],
      { global: {}, command: 'ps', flags: {}, args: ['c1', '-o', 'pid,comm'] },
    ],
    [
      ['update', '--resources=-', 'c1'],
      { global: {}, command: 'update', flags: { resources: '-' }, args: ['c1'] },
    ],
    [
      ['update', '--cpu-shares', '512', '--memory', '100m', 'c1'],
      {
        global: {},
        command: 'update',
        flags: { 'cpu-share': '512', memory: '100m' },
        args: ['c1'],
      },
    ],
  ])('parses %j', (argv, expected) => {
    expect(parseArgv(argv)).toEqual(expected);
  });

  it.each([
    [['frobnicate', 'c1'], 'unknown command "frobnicate"'],
    [['--nope', 'state', 'c1'], 'unknown flag --nope'],
    [['delete', '--all', 'c1'], 'unknown flag --all'],
    [['create', 'c1', '--bundle'], 'flag --bundle needs a value'],
    [['ps', '-a', 'c1'], 'unknown flag -a'],
    [['delete', '--format', 'json', 'c1'], 'unknown flag --format'],
  ])('refuses %j', (argv, message) => {
    expect(() => parseArgv(argv)).toThrow(
      expect.objectContaining({ code: OciErrorCode.Usage, message }),
    );
  });
});

describe('parseSignal', () => {
  it.each([
    ['KILL', 9],
    ['SIGTERM', 15],
    ['term', 15],
    ['9', 9],
    [10, 10],
    ['usr1', 10],
  ])('reads %j as %d', (text, n) => {
    expect(parseSignal(text)).toBe(n);
  });

  it.each(['SIGNOPE', '0', '65', '-1', ''])('refuses %j', (text) => {
    expect(() => parseSignal(text)).toThrow(
      expect.objectContaining({ code: OciErrorCode.InvalidSignal }),
    );
  });
});

describe('cgroupPlacement', () => {
  it.each<[string | undefined, ReturnType<typeof cgroupPlacement>]>([
    ['/libpod_parent/libpod-abc', { name: 'libpod-abc', parent: '/libpod_parent' }],
    ['/default/c1', { name: 'c1', parent: '/default' }],
    ['/c1', { name: 'c1', parent: '/' }],
    ['c1', { name: 'c1', parent: undefined }],
    ['a/b/c1', { name: 'c1', parent: undefined, below: 'a/b' }],
    [undefined, { name: 'the-id', parent: undefined }],
  ])('places %j', (path, expected) => {
    expect(cgroupPlacement(path, 'the-id')).toEqual(expected);
  });

  it.each([
    ['system.slice:libpod:abc', OciErrorCode.Unsupported],
    ['a/../b', OciErrorCode.InvalidConfig],
    ['a//b', OciErrorCode.InvalidConfig],
    ['/a/..', OciErrorCode.InvalidConfig],
  ])('refuses %j', (path, code) => {
    expect(() => cgroupPlacement(path, 'id')).toThrow(expect.objectContaining({ code }));
  });
});
