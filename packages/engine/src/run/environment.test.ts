import { describe, expect, it } from '@jest/globals';

import { DEFAULT_PATH, buildEnvironment, parseEnvFile } from './environment.js';

const base = {
  imageEnv: [] as string[],
  userEnv: [] as string[],
  envFileLines: [] as string[],
  hostname: 'iza-container',
  tty: false,
  hostEnv: {} as Record<string, string | undefined>,
};

describe('buildEnvironment', () => {
  it('starts from docker defaults: PATH, HOSTNAME, HOME', () => {
    expect(buildEnvironment(base)).toEqual([
      `PATH=${DEFAULT_PATH}`,
      'HOSTNAME=iza-container',
      'HOME=/',
    ]);
  });

  it('adds TERM with a terminal, and HOME from the passwd entry', () => {
    expect(buildEnvironment({ ...base, tty: true, home: '/home/app' })).toContain('TERM=xterm');
    expect(buildEnvironment({ ...base, home: '/home/app' })).toContain('HOME=/home/app');
  });

  it('lets the image override defaults, the env file the image, and -e everything', () => {
    const env = buildEnvironment({
      ...base,
      imageEnv: ['PATH=/img/bin', 'A=image', 'B=image'],
      envFileLines: ['A=file', 'C=file'],
      userEnv: ['C=flag', 'HOME=/h'],
    });
    expect(env).toEqual(
      expect.arrayContaining(['PATH=/img/bin', 'A=file', 'B=image', 'C=flag', 'HOME=/h']),
    );
  });

  it('copies `-e KEY` from the host, and leaves it out when the host has none', () => {
    const env = buildEnvironment({ ...base, userEnv: ['SET', 'UNSET'], hostEnv: { SET: 'v' } });
    expect(env).toContain('SET=v');
    expect(env.some((e) => e.startsWith('UNSET'))).toBe(false);
  });

  it.each([['=x'], ['  ']])('refuses the invalid variable %j', (bad) => {
    expect(() => buildEnvironment({ ...base, userEnv: [bad] })).toThrow(
      expect.objectContaining({ code: 'ERR_IZA_RUN_INVALID_ENV' }),
    );
  });
});

describe('parseEnvFile', () => {
  it('keeps KEY=VALUE and KEY lines, skips blanks and comments', () => {
    expect(parseEnvFile('# comment\nA=1\n\n  B=two words\r\nC\n')).toEqual([
      'A=1',
      'B=two words',
      'C',
    ]);
  });

  // docker: "variable 'export C' contains whitespaces"; a shell-style file is not an env file.
  it.each(['export C=3', 'A B=1', 'TAB\tKEY'])('refuses the key of %j, as docker', (line) => {
    expect(() =>
      buildEnvironment({
        imageEnv: [],
        userEnv: [],
        envFileLines: parseEnvFile(line),
        hostname: 'h',
        tty: false,
        hostEnv: {},
      }),
    ).toThrow(
      expect.objectContaining({
        code: 'ERR_IZA_RUN_INVALID_ENV',
        message: expect.stringMatching(/contains whitespaces/),
      }),
    );
  });
});
