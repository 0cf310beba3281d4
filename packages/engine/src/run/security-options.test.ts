import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { loadSeccompProfile, parseSecurityOptions } from './security-options.js';

const ctx = {
  capabilities: ['CAP_CHOWN', 'CAP_KILL', 'CAP_SYS_CHROOT'],
  arch: 'x64',
  kernel: '6.1.0-18-amd64',
};

function withFile<T>(content: string, use: (path: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'iza-secopt-'));
  try {
    const path = join(dir, 'profile.json');
    writeFileSync(path, content);
    return use(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('parseSecurityOptions', () => {
  it("defaults to docker's seccomp profile and no_new_privs", () => {
    const s = parseSecurityOptions([], ctx);
    expect(s.seccomp?.defaultAction).toBe('SCMP_ACT_ERRNO');
    expect(s.seccomp?.syscalls?.[0]?.names).toContain('chroot');
    expect(s.noNewPrivileges).toBe(true);
  });

  it('takes seccomp=unconfined and no-new-privileges in both separators', () => {
    expect(parseSecurityOptions(['seccomp=unconfined'], ctx).seccomp).toBeUndefined();
    expect(parseSecurityOptions(['seccomp:unconfined'], ctx).seccomp).toBeUndefined();
    expect(parseSecurityOptions(['no-new-privileges=false'], ctx).noNewPrivileges).toBe(false);
    expect(parseSecurityOptions(['no-new-privileges'], ctx).noNewPrivileges).toBe(true);
    expect(parseSecurityOptions(['no-new-privileges:true'], ctx).noNewPrivileges).toBe(true);
  });

  // iza applies no AppArmor profile and no SELinux label: these ask for what it does anyway.
  it.each(['apparmor=unconfined', 'apparmor:unconfined', 'label=disable', 'label:disable'])(
    'takes %s and changes nothing',
    (opt) => {
      expect(parseSecurityOptions([opt], ctx)).toEqual(parseSecurityOptions([], ctx));
    },
  );

  it.each([
    ['apparmor=docker-default', /no AppArmor/],
    ['label=type:svirt_apache_t', /no SELinux/],
    ['seccomp=', /iza supports/],
    ['no-new-privileges=maybe', /iza supports/],
    ['x', /iza supports/],
  ])('refuses %s with a one-line error naming it', (opt, hint) => {
    expect(() => parseSecurityOptions([opt], ctx)).toThrow(
      expect.objectContaining({
        code: 'ERR_IZA_RUN_INVALID_SECURITY_OPT',
        message: `invalid --security-opt ${opt}: not supported`,
        hint: expect.stringMatching(hint),
      }),
    );
  });
});

describe('loadSeccompProfile', () => {
  it("resolves docker's archMap, includes and excludes for this container", () => {
    const profile = {
      defaultAction: 'SCMP_ACT_ERRNO',
      defaultErrnoRet: 38,
      archMap: [
        { architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] },
        { architecture: 'SCMP_ARCH_AARCH64', subArchitectures: ['SCMP_ARCH_ARM'] },
      ],
      syscalls: [
        { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW', comment: '', args: [] },
        { names: ['chroot'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_CHROOT'] } },
        { names: ['mount'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN'] } },
        { names: ['arch_prctl'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['amd64'] } },
        { names: ['set_tls'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['arm64'] } },
        { names: ['ptrace'], action: 'SCMP_ACT_ALLOW', includes: { minKernel: '4.8' } },
        { names: ['pidfd_x'], action: 'SCMP_ACT_ALLOW', includes: { minKernel: '6.10' } },
        {
          names: ['setns'],
          action: 'SCMP_ACT_ERRNO',
          errnoRet: 1,
          errno: 'EPERM',
          excludes: { caps: ['CAP_SYS_ADMIN'] },
        },
        { names: ['kill'], action: 'SCMP_ACT_ALLOW', excludes: { caps: ['CAP_KILL'] } },
        { name: 'getpid', action: 'SCMP_ACT_ALLOW' },
      ],
    };
    const spec = withFile(JSON.stringify(profile), (p) => loadSeccompProfile(p, ctx));
    expect(spec.architectures).toEqual(['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
    expect(spec.defaultErrnoRet).toBe(38);
    expect(spec.syscalls).toEqual([
      { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' },
      { names: ['chroot'], action: 'SCMP_ACT_ALLOW' },
      { names: ['arch_prctl'], action: 'SCMP_ACT_ALLOW' },
      { names: ['ptrace'], action: 'SCMP_ACT_ALLOW' },
      { names: ['setns'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 },
      { names: ['getpid'], action: 'SCMP_ACT_ALLOW' },
    ]);
  });

  it('takes an OCI linux.seccomp object as it is', () => {
    const oci = {
      defaultAction: 'SCMP_ACT_ALLOW',
      architectures: ['SCMP_ARCH_X86_64'],
      syscalls: [
        {
          names: ['personality'],
          action: 'SCMP_ACT_ERRNO',
          args: [{ index: 0, value: 8, op: 'SCMP_CMP_NE' }],
        },
      ],
    };
    expect(withFile(JSON.stringify(oci), (p) => loadSeccompProfile(p, ctx))).toEqual(oci);
  });

  it.each([
    // The parser's reason is the cause, which the CLI prints after it (formatErrorChain).
    ['not JSON', '{', /^cannot load seccomp profile .*profile\.json$/],
    ['no defaultAction', '{"syscalls": []}', /has no defaultAction/],
    [
      'an unknown action',
      '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_NOPE"}]}',
      /seccomp: unknown action SCMP_ACT_NOPE in syscalls\[0\]/,
    ],
  ])('refuses a profile with %s, naming the file', (_what, content, message) => {
    withFile(content, (p) => {
      expect(() => loadSeccompProfile(p, ctx)).toThrow(message);
      expect(() => loadSeccompProfile(p, ctx)).toThrow(
        expect.objectContaining({ code: 'ERR_IZA_RUN_INVALID_SECURITY_OPT' }),
      );
    });
  });

  it('names a missing file, once', () => {
    expect(() => loadSeccompProfile('/nonexistent/iza.json', ctx)).toThrow(
      /^cannot load seccomp profile \/nonexistent\/iza.json: no such file$/,
    );
  });

  it("keeps the JSON parser's reason as the cause", () => {
    withFile('{', (p) => {
      expect(() => loadSeccompProfile(p, ctx)).toThrow(
        expect.objectContaining({ cause: expect.objectContaining({ name: 'SyntaxError' }) }),
      );
    });
  });
});
