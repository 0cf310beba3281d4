import { describe, expect, it } from '@jest/globals';

import { buildProcessArgs } from './process-args.js';

// docker's rules (SPECS §3 "Entrypoint/Cmd"), one row each.
describe('buildProcessArgs', () => {
  const image = { Entrypoint: ['/entry', '-x'], Cmd: ['default'] };

  it.each<[string, object, { entrypoint?: string; command: string[] }, string[]]>([
    ['image entrypoint + image cmd', image, { command: [] }, ['/entry', '-x', 'default']],
    ['user command replaces cmd only', image, { command: ['mine'] }, ['/entry', '-x', 'mine']],
    ['--entrypoint drops the image cmd', image, { entrypoint: '/other', command: [] }, ['/other']],
    [
      '--entrypoint with a command',
      image,
      { entrypoint: '/other', command: ['a'] },
      ['/other', 'a'],
    ],
    ['--entrypoint "" clears it', image, { entrypoint: '', command: ['sh'] }, ['sh']],
    ['cmd only image', { Cmd: ['/bin/sh'] }, { command: [] }, ['/bin/sh']],
    ['null fields', { Entrypoint: null, Cmd: null }, { command: ['ls'] }, ['ls']],
  ])('%s', (_, config, request, expected) => {
    expect(buildProcessArgs(config, request)).toEqual(expected);
  });

  it('refuses when nothing is left to run, as docker does', () => {
    expect(() => buildProcessArgs({}, { command: [] })).toThrow(
      expect.objectContaining({ code: 'ERR_IZA_RUN_NO_COMMAND', message: 'no command specified' }),
    );
    expect(() => buildProcessArgs(image, { entrypoint: '', command: [] })).toThrow(
      expect.objectContaining({ code: 'ERR_IZA_RUN_NO_COMMAND' }),
    );
  });
});
