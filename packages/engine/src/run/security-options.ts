import { readFileSync } from 'node:fs';

import { IzaError } from '@iza/errors';
import { defaultSeccompProfile, seccompFilterPlan } from '@iza/ns-native';
import type { SeccompSpec, SeccompSyscall } from '@iza/ns-native';

/** What `--security-opt` asked for, resolved for one container. */
export interface SecurityOptions {
  /** The filter to load, or undefined for `seccomp=unconfined`. */
  seccomp: SeccompSpec | undefined;
  noNewPrivileges: boolean;
}

/** The facts a profile's `includes`/`excludes` are matched against. */
export interface SecurityContext {
  /** The container's bounding capabilities. */
  capabilities: readonly string[];
  /** Node's process.arch. */
  arch: string;
  /** os.release(), e.g. `6.1.0-18-amd64`. */
  kernel: string;
}

const invalidOpt = (opt: string, why: string, hint?: string) =>
  new IzaError('ERR_IZA_RUN_INVALID_SECURITY_OPT', `invalid --security-opt ${opt}: ${why}`, {
    ...(hint === undefined ? {} : { hint }),
  });

/**
 * docker's `--security-opt` values iza implements: `seccomp=unconfined`, `seccomp=PROFILE.json`
 * (docker's or podman's profile format, or an OCI `linux.seccomp` object) and
 * `no-new-privileges[=true|false]`; docker's older `:` separator is accepted too. Without a
 * seccomp option the container gets docker's default profile.
 */
export function parseSecurityOptions(
  opts: readonly string[],
  ctx: SecurityContext,
): SecurityOptions {
  let seccomp: SeccompSpec | undefined = defaultSeccompProfile({
    capabilities: ctx.capabilities,
    arch: ctx.arch,
  });
  let noNewPrivileges = true;

  for (const opt of opts) {
    const m = /^([a-z-]+)(?:[=:](.*))?$/s.exec(opt);
    const key = m?.[1];
    const value = m?.[2];
    if (key === 'seccomp' && value !== undefined && value !== '') {
      seccomp = value === 'unconfined' ? undefined : loadSeccompProfile(value, ctx);
    } else if (
      key === 'no-new-privileges' &&
      (value === undefined || /^(true|false)$/.test(value))
    ) {
      noNewPrivileges = value !== 'false';
    } else if (key === 'apparmor' || key === 'label') {
      // iza confines with neither: asking for none is asking for what it does (docker on a host
      // without AppArmor takes apparmor=unconfined too); a profile or label would be a lie.
      if (opt.slice(key.length + 1) !== (key === 'apparmor' ? 'unconfined' : 'disable')) {
        const what = key === 'apparmor' ? 'no AppArmor profile' : 'no SELinux label';
        throw invalidOpt(opt, 'not supported', `iza applies ${what} to containers`);
      }
    } else {
      throw invalidOpt(
        opt,
        'not supported',
        'iza supports seccomp=unconfined, seccomp=PROFILE.json and no-new-privileges[=true|false]',
      );
    }
  }
  return { seccomp, noNewPrivileges };
}

interface DockerRule extends Partial<SeccompSyscall> {
  name?: string;
  includes?: Conditions;
  excludes?: Conditions;
}

interface Conditions {
  caps?: string[];
  arches?: string[];
  minKernel?: string;
}

interface DockerProfile extends Omit<SeccompSpec, 'syscalls'> {
  archMap?: { architecture: string; subArchitectures?: string[] }[];
  syscalls?: DockerRule[];
}

// docker's arch names in includes/excludes (moby profiles/seccomp), per Node arch.
const dockerArches: Record<string, string[]> = {
  x64: ['amd64', 'x86_64'],
  ia32: ['386', 'x86'],
  arm64: ['arm64', 'aarch64'],
  arm: ['arm'],
  ppc64: ['ppc64le'],
  s390x: ['s390x'],
  riscv64: ['riscv64'],
};
const nativeArch: Record<string, string> = {
  x64: 'SCMP_ARCH_X86_64',
  ia32: 'SCMP_ARCH_X86',
  arm64: 'SCMP_ARCH_AARCH64',
  arm: 'SCMP_ARCH_ARM',
  ppc64: 'SCMP_ARCH_PPC64LE',
  s390x: 'SCMP_ARCH_S390X',
  riscv64: 'SCMP_ARCH_RISCV64',
};

function kernelAtLeast(kernel: string, min: string): boolean {
  const parse = (v: string) => (/^(\d+)\.(\d+)/.exec(v) ?? []).slice(1, 3).map(Number);
  const [a = 0, b = 0] = parse(kernel);
  const [x = 0, y = 0] = parse(min);
  return a > x || (a === x && b >= y);
}

function applies(rule: DockerRule, ctx: SecurityContext): boolean {
  const arches = dockerArches[ctx.arch] ?? [];
  const inc = rule.includes ?? {};
  const exc = rule.excludes ?? {};
  if (inc.caps?.some((c) => !ctx.capabilities.includes(c))) return false;
  if (inc.arches?.length && !inc.arches.some((a) => arches.includes(a))) return false;
  if (inc.minKernel && !kernelAtLeast(ctx.kernel, inc.minKernel)) return false;
  if (exc.caps?.some((c) => ctx.capabilities.includes(c))) return false;
  if (exc.arches?.some((a) => arches.includes(a))) return false;
  return true;
}

/**
 * Reads a seccomp profile file and resolves docker's conditional parts (archMap, per-rule
 * includes/excludes on capabilities, architectures and kernel version) for this container, as
 * docker and podman do before they hand the OCI object to the runtime.
 */
export function loadSeccompProfile(path: string, ctx: SecurityContext): SeccompSpec {
  let raw: DockerProfile;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8')) as DockerProfile;
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : null;
    // Node's own message (a JSON syntax error, EACCES) says the rest as the cause.
    throw new IzaError(
      'ERR_IZA_RUN_INVALID_SECURITY_OPT',
      `cannot load seccomp profile ${path}${why === null ? '' : `: ${why}`}`,
      why === null ? { cause } : {},
    );
  }
  if (typeof raw !== 'object' || raw === null || typeof raw.defaultAction !== 'string') {
    throw invalidOpt(`seccomp=${path}`, 'the profile has no defaultAction');
  }

  let architectures = raw.architectures;
  if (architectures === undefined && raw.archMap !== undefined) {
    const entry = raw.archMap.find((a) => a.architecture === nativeArch[ctx.arch]);
    architectures = entry ? [entry.architecture, ...(entry.subArchitectures ?? [])] : [];
  }
  const syscalls: SeccompSyscall[] = (raw.syscalls ?? [])
    .filter((rule) => applies(rule, ctx))
    .map((rule) => ({
      names: rule.names ?? (rule.name === undefined ? [] : [rule.name]),
      action: rule.action as SeccompSyscall['action'],
      ...(rule.errnoRet === undefined ? {} : { errnoRet: rule.errnoRet }),
      ...(rule.args?.length ? { args: rule.args } : {}),
    }));

  const spec: SeccompSpec = {
    defaultAction: raw.defaultAction,
    ...(raw.defaultErrnoRet === undefined ? {} : { defaultErrnoRet: raw.defaultErrnoRet }),
    ...(architectures === undefined ? {} : { architectures }),
    ...(raw.flags === undefined ? {} : { flags: raw.flags }),
    syscalls,
  };
  try {
    seccompFilterPlan(spec);
  } catch (err) {
    const why = (err as { message?: unknown } | null)?.message ?? err;
    throw invalidOpt(`seccomp=${path}`, String(why));
  }
  return spec;
}
