import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { NativeBinding } from './binding.js';

import { loadBinding } from './load.js';
import { compileSeccomp, seccompFilterPlan, type SeccompSpec } from './seccomp.js';
import { defaultSeccompProfile } from './seccomp-default.js';

const allowAll = (syscalls: NonNullable<SeccompSpec['syscalls']>): SeccompSpec => ({
  defaultAction: 'SCMP_ACT_ALLOW',
  syscalls,
});

describe('seccompFilterPlan', () => {
  it('encodes actions with their errno the way libseccomp does', () => {
    const { filter } = seccompFilterPlan({
      defaultAction: 'SCMP_ACT_ERRNO',
      defaultErrnoRet: 38,
      syscalls: [
        { names: ['read'], action: 'SCMP_ACT_ALLOW' },
        { names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 },
        { names: ['rmdir'], action: 'SCMP_ACT_ERRNO' },
        { names: ['kexec_load'], action: 'SCMP_ACT_KILL_PROCESS' },
        { names: ['acct'], action: 'SCMP_ACT_TRAP' },
        { names: ['ptrace'], action: 'SCMP_ACT_LOG' },
      ],
    });
    expect(filter.defaultAction).toBe(0x50026);
    expect(filter.rules.map((r) => r.action)).toEqual([
      0x7fff0000, 0x5000d, 0x50001, 0x80000000, 0x30000, 0x7ffc0000,
    ]);
  });

  it('drops rules whose action is the default one (libseccomp refuses them)', () => {
    const { filter } = seccompFilterPlan({
      defaultAction: 'SCMP_ACT_ERRNO',
      syscalls: [
        { names: ['mount'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 },
        { names: ['mount'], action: 'SCMP_ACT_ERRNO', errnoRet: 2 },
      ],
    });
    expect(filter.rules).toHaveLength(1);
    expect(filter.rules[0]?.action).toBe(0x50002);
  });

  it('splits comparisons on the same argument into one rule each, keeps others together', () => {
    const { filter } = seccompFilterPlan(
      allowAll([
        {
          names: ['personality'],
          action: 'SCMP_ACT_ERRNO',
          args: [
            { index: 0, value: 1, op: 'SCMP_CMP_EQ' },
            { index: 0, value: 2, op: 'SCMP_CMP_EQ' },
          ],
        },
        {
          names: ['socket'],
          action: 'SCMP_ACT_ERRNO',
          args: [
            { index: 0, value: 2, op: 'SCMP_CMP_EQ' },
            { index: 1, value: 0xf, valueTwo: 1, op: 'SCMP_CMP_MASKED_EQ' },
          ],
        },
      ]),
    );
    expect(
      filter.rules.map((r) => r.args.map((a) => [a.index, a.op, a.value, a.valueTwo])),
    ).toEqual([
      [[0, 4, 1n, 0n]],
      [[0, 4, 2n, 0n]],
      [
        [0, 4, 2n, 0n],
        [1, 7, 15n, 1n],
      ],
    ]);
  });

  it('maps architectures and flags', () => {
    const plan = seccompFilterPlan({
      defaultAction: 'SCMP_ACT_ALLOW',
      architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_AARCH64'],
      flags: ['SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW'],
    });
    expect(plan.filter.architectures).toEqual(['x86_64', 'aarch64']);
    expect(plan.flags).toBe(6);
  });

  it.each<[string, SeccompSpec, RegExp]>([
    ['a notify action', allowAll([{ names: ['mount'], action: 'SCMP_ACT_NOTIFY' }]), /NOTIFY/],
    ['a listener', { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/run/x' }, /listenerPath/],
    [
      'an unknown flag',
      { defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_NEW_LISTENER'] },
      /flag SECCOMP_FILTER_FLAG_NEW_LISTENER/,
    ],
    ['an unknown action', { defaultAction: 'SCMP_ACT_MAYBE' as never }, /unknown action/],
    [
      'an argument index past 5',
      allowAll([
        {
          names: ['read'],
          action: 'SCMP_ACT_KILL',
          args: [{ index: 6, value: 0, op: 'SCMP_CMP_EQ' }],
        },
      ]),
      /index 6/,
    ],
    [
      'an unknown operator',
      allowAll([
        {
          names: ['read'],
          action: 'SCMP_ACT_KILL',
          args: [{ index: 0, value: 0, op: 'SCMP_CMP_IN' as never }],
        },
      ]),
      /unknown operator/,
    ],
    [
      'a negative value',
      allowAll([
        {
          names: ['read'],
          action: 'SCMP_ACT_KILL',
          args: [{ index: 0, value: -1, op: 'SCMP_CMP_EQ' }],
        },
      ]),
      /bad argument value/,
    ],
    ['an empty rule', allowAll([{ names: [], action: 'SCMP_ACT_KILL' }]), /names no syscall/],
    [
      'a strange name',
      allowAll([{ names: ['read;'], action: 'SCMP_ACT_KILL' }]),
      /bad syscall name/,
    ],
    [
      'errnoRet on allow',
      allowAll([{ names: ['read'], action: 'SCMP_ACT_KILL', errnoRet: 1 }]),
      /errnoRet/,
    ],
    [
      'an errno past 16 bits',
      allowAll([{ names: ['read'], action: 'SCMP_ACT_ERRNO', errnoRet: 70000 }]),
      /70000/,
    ],
    [
      'an odd architecture',
      { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['x86_64'] },
      /x86_64/,
    ],
  ])('refuses %s, naming it', (_what, spec, message) => {
    expect(() => seccompFilterPlan(spec)).toThrow(message);
  });
});

describe('compileSeccomp (libseccomp)', () => {
  const binding = loadBinding();

  it('compiles docker-like defaults to a program the kernel accepts in size', () => {
    const compiled = compileSeccomp(defaultSeccompProfile({ arch: 'x64' }), binding);
    expect(compiled.program.length % 8).toBe(0);
    expect(compiled.program.length / 8).toBeGreaterThan(100);
    expect(compiled.program.length / 8).toBeLessThanOrEqual(4096);
    expect(compiled.unknown).toEqual([]);
  });

  it('skips and lists syscall names libseccomp does not know, as runc does', () => {
    const compiled = compileSeccomp(
      allowAll([{ names: ['mkdir', 'no_such_syscall_iza'], action: 'SCMP_ACT_ERRNO' }]),
      binding,
    );
    expect(compiled.unknown).toEqual(['no_such_syscall_iza']);
  });

  it('gives a different program when a rule changes', () => {
    const a = compileSeccomp(allowAll([{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }]), binding);
    const b = compileSeccomp(allowAll([{ names: ['rmdir'], action: 'SCMP_ACT_ERRNO' }]), binding);
    expect(a.program.equals(b.program)).toBe(false);
  });

  it('turns an architecture libseccomp lacks into ERR_IZA_NATIVE_SECCOMP', () => {
    expect(() =>
      compileSeccomp(
        { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_VAX'] },
        binding,
      ),
    ).toThrow(
      expect.objectContaining({
        code: 'ERR_IZA_NATIVE_SECCOMP',
        message: expect.stringMatching(/vax/),
      }),
    );
  });
});

describe('compileSeccomp with a cache directory', () => {
  const real = loadBinding();
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'iza-seccomp-cache-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function counting(version = real.seccompVersion()) {
    const calls = { n: 0 };
    const binding: NativeBinding = {
      ...real,
      seccompVersion: () => version,
      compileSeccomp: (filter) => {
        calls.n++;
        return real.compileSeccomp(filter);
      },
    };
    return { binding, calls };
  }

  it('compiles once, then reads the same program back', () => {
    const { binding, calls } = counting();
    const spec = defaultSeccompProfile({ arch: 'x64' });
    const first = compileSeccomp(spec, binding, { cacheDir: join(dir, 'c') });
    const second = compileSeccomp(spec, binding, { cacheDir: join(dir, 'c') });
    expect(calls.n).toBe(1);
    expect(second.program.equals(first.program)).toBe(true);
    expect(second.unknown).toEqual(first.unknown);
    expect(readdirSync(join(dir, 'c'))).toHaveLength(1);
  });

  it('keys on the filter and on the libseccomp version', () => {
    const a = counting('2.5.4');
    const b = counting('2.6.0');
    const spec = allowAll([{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }]);
    compileSeccomp(spec, a.binding, { cacheDir: dir });
    compileSeccomp(spec, b.binding, { cacheDir: dir });
    compileSeccomp(allowAll([{ names: ['rmdir'], action: 'SCMP_ACT_ERRNO' }]), a.binding, {
      cacheDir: dir,
    });
    expect(a.calls.n + b.calls.n).toBe(3);
    expect(readdirSync(dir)).toHaveLength(3);
  });

  it('compiles again over a damaged entry and repairs it', () => {
    const { binding, calls } = counting();
    const spec = allowAll([{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }]);
    const good = compileSeccomp(spec, binding, { cacheDir: dir });
    const [file = ''] = readdirSync(dir);
    writeFileSync(join(dir, file), JSON.stringify({ program: 'AAAA', unknown: [] }));
    const again = compileSeccomp(spec, binding, { cacheDir: dir });
    expect(calls.n).toBe(2);
    expect(again.program.equals(good.program)).toBe(true);
    compileSeccomp(spec, binding, { cacheDir: dir });
    expect(calls.n).toBe(2);
  });
});

describe('defaultSeccompProfile', () => {
  const allowed = (p: SeccompSpec) =>
    new Set(
      p.syscalls?.filter((s) => s.action === 'SCMP_ACT_ALLOW' && !s.args).flatMap((s) => s.names),
    );

  it('denies by default with EPERM and keeps capability-gated syscalls for their capability', () => {
    const plain = defaultSeccompProfile({ arch: 'x64' });
    expect(plain.defaultAction).toBe('SCMP_ACT_ERRNO');
    expect(plain.defaultErrnoRet).toBe(1);
    expect(plain.architectures).toEqual(['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86']);
    for (const name of [
      'mount',
      'unshare',
      'setns',
      'reboot',
      'init_module',
      'bpf',
      'keyctl',
      'kexec_load',
      'open_by_handle_at',
      'io_uring_setup',
      'userfaultfd',
    ]) {
      expect(allowed(plain).has(name)).toBe(false);
    }
    expect(allowed(plain).has('chroot')).toBe(true);

    const admin = defaultSeccompProfile({ capabilities: ['CAP_SYS_ADMIN'], arch: 'x64' });
    expect(allowed(admin).has('mount')).toBe(true);
    expect(allowed(admin).has('chroot')).toBe(false);
    expect(allowed(admin).has('clone')).toBe(true);
  });

  it('lets clone through only without namespace flags, and clone3 fail with ENOSYS', () => {
    const p = defaultSeccompProfile({ arch: 'arm64' });
    expect(p.architectures).toEqual(['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
    expect(p.syscalls).toContainEqual({
      names: ['clone'],
      action: 'SCMP_ACT_ALLOW',
      args: [{ index: 0, value: 0x7e020000, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }],
    });
    expect(p.syscalls).toContainEqual({
      names: ['clone3'],
      action: 'SCMP_ACT_ERRNO',
      errnoRet: 38,
    });
  });
});
