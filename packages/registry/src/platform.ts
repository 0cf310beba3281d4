import { RegistryErrorCode, registryError } from './errors.js';
import type { Platform } from './types.js';

const KNOWN_OS = new Set([
  'aix',
  'android',
  'darwin',
  'dragonfly',
  'freebsd',
  'hurd',
  'illumos',
  'ios',
  'js',
  'linux',
  'nacl',
  'netbsd',
  'openbsd',
  'plan9',
  'solaris',
  'windows',
  'zos',
]);
const COMPONENT = /^[A-Za-z0-9_.-]+$/;

/** The platform of the machine iza runs on, normalised (arm gets its variant from Node). */
export function hostPlatform(
  host: { platform: string; arch: string; armVersion?: string } = {
    platform: process.platform,
    arch: process.arch,
    armVersion: String((process.config.variables as { arm_version?: unknown }).arm_version ?? ''),
  },
): Platform {
  const os = host.platform === 'win32' ? 'windows' : host.platform;
  const arch: Record<string, string> = { x64: 'amd64', ia32: '386', ppc64: 'ppc64le' };
  const variant = host.arch === 'arm' && host.armVersion ? host.armVersion : undefined;
  return normalizePlatform({
    os,
    architecture: arch[host.arch] ?? host.arch,
    ...(variant === undefined ? {} : { variant }),
  });
}

function normalizeOs(os: string, hostOs: string): string {
  const lower = os.toLowerCase();
  if (lower === '') return hostOs;
  return lower === 'macos' ? 'darwin' : lower;
}

/** Architecture and variant normalised as `containerd/platforms:database.go` does (SPECS §1.6). */
function normalizeArch(arch: string, variant: string): { architecture: string; variant: string } {
  const a = arch.toLowerCase();
  const v = variant.toLowerCase();
  switch (a) {
    case 'i386':
      return { architecture: '386', variant: '' };
    case 'x86_64':
    case 'x86-64':
    case 'amd64':
      return { architecture: 'amd64', variant: v === 'v1' ? '' : v };
    case 'aarch64':
    case 'arm64':
      if (v === '8' || v === 'v8' || v === 'v8.0') return { architecture: 'arm64', variant: '' };
      if (v === '9' || v === '9.0' || v === 'v9.0') return { architecture: 'arm64', variant: 'v9' };
      return { architecture: 'arm64', variant: v };
    case 'armhf':
      return { architecture: 'arm', variant: 'v7' };
    case 'armel':
      return { architecture: 'arm', variant: 'v6' };
    case 'arm':
      if (v === '' || v === '7') return { architecture: 'arm', variant: 'v7' };
      if (v === '5' || v === '6' || v === '8') return { architecture: 'arm', variant: `v${v}` };
      return { architecture: 'arm', variant: v };
    default:
      return { architecture: a, variant: v };
  }
}

/** A copy of `platform` with os, architecture and variant normalised (SPECS §1.6). */
export function normalizePlatform(platform: Platform, hostOs = 'linux'): Platform {
  const { architecture, variant } = normalizeArch(platform.architecture, platform.variant ?? '');
  const out: Platform = { os: normalizeOs(platform.os, hostOs), architecture };
  if (variant !== '') out.variant = variant;
  if (platform['os.version'] !== undefined) out['os.version'] = platform['os.version'];
  if (platform['os.features'] !== undefined) out['os.features'] = platform['os.features'];
  return out;
}

/**
 * Parses `os[/arch[/variant]]` or a lone `arch` (as `--platform` takes it) and normalises it.
 * A lone known OS name takes the host architecture; a lone architecture takes the host OS.
 */
export function parsePlatform(spec: string, host: Platform = hostPlatform()): Platform {
  const parts = spec.split('/');
  if (spec === '' || parts.length > 3 || parts.some((p) => !COMPONENT.test(p))) {
    throw registryError(
      RegistryErrorCode.InvalidPlatform,
      `invalid platform "${spec.slice(0, 80)}"`,
      {
        hint: 'use os/arch[/variant], e.g. linux/amd64 or linux/arm/v7',
      },
    );
  }
  const [first = '', second, third] = parts;
  if (second === undefined) {
    if (KNOWN_OS.has(first.toLowerCase()) || first.toLowerCase() === 'macos') {
      return normalizePlatform({ ...host, os: first }, host.os);
    }
    return normalizePlatform({ os: host.os, architecture: first }, host.os);
  }
  return normalizePlatform(
    { os: first, architecture: second, ...(third === undefined ? {} : { variant: third }) },
    host.os,
  );
}

/** `os/arch[/variant]`, the form docker prints. */
export function formatPlatform(platform: Platform): string {
  const base = `${platform.os}/${platform.architecture}`;
  return platform.variant ? `${base}/${platform.variant}` : base;
}

function armVariants(from: number): string[] {
  const out: string[] = [];
  for (let v = from; v >= 5; v--) out.push(`arm/v${v}`);
  return out;
}

/**
 * What a host of `platform` runs, most preferred first, as `arch[/variant]` strings
 * (`containerd/platforms:compare.go`): lower amd64 levels then 386; lower arm versions; arm64
 * accepts lower v8.x levels then 32-bit arm.
 */
export function platformPreferences(platform: Platform): string[] {
  const { architecture: arch, variant = '' } = normalizePlatform(platform);
  if (arch === 'amd64') {
    const level = variant === '' ? 1 : Number(variant.slice(1)) || 1;
    const out: string[] = [];
    for (let l = level; l >= 2; l--) out.push(`amd64/v${l}`);
    return [...out, 'amd64', '386'];
  }
  if (arch === 'arm') return armVariants(Number(variant.slice(1)) || 7);
  if (arch === 'arm64') {
    const [major = 8, minor = 0] = (variant === '' ? 'v8' : variant)
      .slice(1)
      .split('.')
      .map(Number);
    const out: string[] = [];
    for (let M = major; M >= 8; M--) {
      const top = M === major ? minor : 9;
      for (let m = top; m >= 1; m--) out.push(`arm64/v${M}.${m}`);
      if (M > 8) out.push(`arm64/v${M}`);
    }
    return [...out, 'arm64', ...armVariants(8)];
  }
  return [variant === '' ? arch : `${arch}/${variant}`];
}

/** True when a host of platform `host` can run an image built for `candidate`. */
export function platformMatches(host: Platform, candidate: Platform): boolean {
  const h = normalizePlatform(host);
  const c = normalizePlatform(candidate, h.os);
  if (h.os !== c.os) return false;
  const key = c.variant ? `${c.architecture}/${c.variant}` : c.architecture;
  return platformPreferences(h).includes(key);
}
