import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from '@jest/globals';

import { execProcessSpec, OciErrorCode, processFromFlags, readProcessFile } from './index.js';
import type { OciProcess, StoredState } from './index.js';

const base: OciProcess = {
  user: { uid: 0, gid: 0 },
  args: ['sleep', '100'],
  env: ['PATH=/bin', 'HOME=/root'],
  cwd: '/',
  terminal: true,
  capabilities: { bounding: ['CAP_CHOWN'], effective: ['CAP_CHOWN'], permitted: ['CAP_CHOWN'] },
  rlimits: [{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 1024 }],
  noNewPrivileges: true,
  oomScoreAdj: 100,
};

const container = {
  process: base,
  seccomp: { defaultAction: 'SCMP_ACT_ALLOW' },
} as unknown as StoredState;

describe('processFromFlags (runc exec without --process)', () => {
  it("starts from the container's process with the command, env and no terminal", () => {
    const p = processFromFlags(base, { args: ['ps', '-ef'], env: ['A=1'] });
    expect(p).toMatchObject({
      args: ['ps', '-ef'],
      env: ['PATH=/bin', 'HOME=/root', 'A=1'],
      cwd: '/',
      terminal: false,
      noNewPrivileges: true,
    });
    // The stored process is not changed.
    expect(base.args).toEqual(['sleep', '100']);
  });

  it('takes the user, groups, cwd, tty and no-new-privs of the flags', () => {
    const p = processFromFlags(base, {
      args: ['id'],
      user: '1000:1001',
      additionalGids: ['5', '6'],
      cwd: '/tmp',
      tty: true,
      noNewPrivs: false,
    });
    expect(p).toMatchObject({
      user: { uid: 1000, gid: 1001, additionalGids: [5, 6] },
      cwd: '/tmp',
      terminal: true,
      noNewPrivileges: false,
    });
    expect(processFromFlags(base, { args: ['id'], user: '7' }).user).toEqual({ uid: 7, gid: 0 });
  });

  it('adds --cap to bounding, effective and permitted; ambient only with an inheritable set', () => {
    const p = processFromFlags(base, { args: ['id'], caps: ['CAP_KILL'] });
    expect(p.capabilities).toEqual({
      bounding: ['CAP_CHOWN', 'CAP_KILL'],
      effective: ['CAP_CHOWN', 'CAP_KILL'],
      permitted: ['CAP_CHOWN', 'CAP_KILL'],
    });
    const inheritable = { ...base, capabilities: { ...base.capabilities, inheritable: [] } };
    expect(
      processFromFlags(inheritable, { args: ['id'], caps: ['CAP_KILL'] }).capabilities,
    ).toMatchObject({ ambient: ['CAP_KILL'] });
  });

  it.each<[string, Parameters<typeof processFromFlags>[1], string]>([
    ['no command', { args: [] }, 'exec: expects a container id and a command'],
    ['a named user', { args: ['id'], user: 'root' }, 'bad uid root'],
    ['a bad gid', { args: ['id'], user: '0:x' }, 'bad gid x'],
    ['a negative group', { args: ['id'], additionalGids: ['-1'] }, 'bad additional gid -1'],
  ])('refuses %s', (_what, flags, message) => {
    expect(() => processFromFlags(base, flags)).toThrow(
      expect.objectContaining({ code: OciErrorCode.Usage, message }),
    );
  });
});

describe('execProcessSpec', () => {
  it("takes what a process.json leaves out from the container's process, and its seccomp", () => {
    const spec = execProcessSpec({ user: { uid: 1, gid: 2 }, args: ['id'], cwd: '/' }, container);
    expect(spec).toEqual({
      args: ['id'],
      env: [],
      cwd: '/',
      user: { uid: 1, gid: 2 },
      capabilities: {
        bounding: ['CAP_CHOWN'],
        effective: ['CAP_CHOWN'],
        permitted: ['CAP_CHOWN'],
        inheritable: [],
        ambient: [],
      },
      // runc: absent means false, whatever the container has.
      noNewPrivileges: false,
      rlimits: [{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 1024 }],
      terminal: false,
      oomScoreAdj: 100,
      seccomp: { defaultAction: 'SCMP_ACT_ALLOW' },
    });
  });

  it('keeps what the process.json says, an empty capability set included', () => {
    const spec = execProcessSpec(
      { ...base, capabilities: {}, rlimits: [{ type: 'RLIMIT_NPROC', soft: 5, hard: 5 }] },
      container,
    );
    expect(spec.capabilities?.bounding).toEqual([]);
    expect(spec.rlimits).toEqual([{ type: 'RLIMIT_NPROC', soft: 5, hard: 5 }]);
  });

  it.each<[string, Partial<OciProcess> & Record<string, unknown>, string, string]>([
    [
      'an AppArmor profile',
      { apparmorProfile: 'x' },
      OciErrorCode.Unsupported,
      'process.apparmorProfile',
    ],
    ['a relative cwd', { cwd: 'tmp' }, OciErrorCode.InvalidConfig, 'process.cwd'],
    ['no args', { args: [] }, OciErrorCode.InvalidConfig, 'process.args'],
    [
      'a user without gid',
      { user: { uid: 0 } as OciProcess['user'] },
      OciErrorCode.InvalidConfig,
      'process.user',
    ],
  ])('refuses %s, naming the field', (_what, over, code, field) => {
    expect(() => execProcessSpec({ ...base, ...over } as OciProcess, container)).toThrow(
      expect.objectContaining({ code, message: expect.stringContaining(field) }),
    );
  });

  it('accepts the empty placeholders containerd sends', () => {
    const p = { ...base, apparmorProfile: '', selinuxLabel: '' } as OciProcess;
    expect(() => execProcessSpec(p, container)).not.toThrow();
  });
});

describe('readProcessFile', () => {
  it('reads a process.json and refuses what is not one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'iza-process-'));
    try {
      writeFileSync(join(dir, 'ok.json'), JSON.stringify(base));
      expect(readProcessFile(join(dir, 'ok.json'))).toEqual(base);
      writeFileSync(join(dir, 'bad.json'), '[1]');
      expect(() => readProcessFile(join(dir, 'bad.json'))).toThrow(
        expect.objectContaining({ code: OciErrorCode.InvalidConfig }),
      );
      expect(() => readProcessFile(join(dir, 'missing.json'))).toThrow(
        expect.objectContaining({ code: OciErrorCode.InvalidConfig }),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
