import { isIP } from 'node:net';

import { RegistryErrorCode, registryError } from './errors.js';

/** Docker Hub's API host: references say `docker.io`, the API lives elsewhere (SPECS §1.3). */
export const DOCKER_HUB_API = 'https://registry-1.docker.io';

/** Where to send requests for one registry domain, in the order to try them. */
export interface PlannedEndpoint {
  base: string;
  mirror: boolean;
  /** The key to look credentials up by: the domain for the registry, the mirror's host. */
  credentialKey: string;
}

function hostnameOf(hostPort: string): string {
  if (hostPort.startsWith('[')) return hostPort.slice(1, hostPort.indexOf(']'));
  const colon = hostPort.lastIndexOf(':');
  return colon < 0 ? hostPort : hostPort.slice(0, colon);
}

function inCidr(ip: string, cidr: string): boolean {
  const [net = '', bitsText = ''] = cidr.split('/');
  const bits = Number(bitsText);
  if (isIP(ip) !== 4 || isIP(net) !== 4 || !Number.isInteger(bits) || bits < 0 || bits > 32)
    return false;
  const toInt = (a: string): number => a.split('.').reduce((n, part) => n * 256 + Number(part), 0);
  const block = 2 ** (32 - bits);
  return Math.floor(toInt(ip) / block) === Math.floor(toInt(net) / block);
}

/**
 * True when a registry is spoken to over plain HTTP: loopback (`localhost`, 127.0.0.0/8, ::1) as
 * docker does by default, or listed in `insecure` as `host[:port]`, `host` (any port) or an IPv4
 * CIDR. iza does not first try HTTPS with verification off, as docker does: an insecure
 * registry is plain HTTP, so there is no TLS to half-trust.
 */
export function isInsecureRegistry(domain: string, insecure: readonly string[]): boolean {
  const hostname = hostnameOf(domain).toLowerCase();
  if (
    hostname === 'localhost' ||
    hostname === '::1' ||
    (isIP(hostname) === 4 && hostname.startsWith('127.'))
  ) {
    return true;
  }
  return insecure.some((entry) => {
    const e = entry.toLowerCase();
    if (e.includes('/')) return inCidr(hostname, e);
    return e === domain.toLowerCase() || e === hostname;
  });
}

/**
 * Mirrors first, as docker's `registry-mirrors`, then the registry itself.
 * LIMITATION: HTTPS always verifies certificates against the system CAs; a registry with a
 * self-signed certificate is reachable only as plain HTTP through `insecureRegistries`.
 */
export function planEndpoints(
  domain: string,
  mirrors: Readonly<Record<string, readonly string[]>>,
  insecure: readonly string[],
): PlannedEndpoint[] {
  const out: PlannedEndpoint[] = (mirrors[domain] ?? []).map((base) => ({
    base: base.replace(/\/+$/, ''),
    mirror: true,
    credentialKey: new URL(base).host,
  }));
  const upstream =
    domain === 'docker.io'
      ? DOCKER_HUB_API
      : `${isInsecureRegistry(domain, insecure) ? 'http' : 'https'}://${domain}`;
  out.push({ base: upstream, mirror: false, credentialKey: domain });
  return out;
}

/**
 * Parses `--registry-mirror` / `IZA_REGISTRY_MIRRORS`: comma-separated `domain=url` entries, a
 * bare URL meaning `docker.io` (docker's `registry-mirrors` only mirror Docker Hub).
 */
export function parseMirrorSpec(spec: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const raw of spec.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    const eq = item.indexOf('=');
    const domain = eq < 0 ? 'docker.io' : item.slice(0, eq).trim().toLowerCase();
    const url = eq < 0 ? item : item.slice(eq + 1).trim();
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      parsed = undefined;
    }
    const okPath = parsed !== undefined && (parsed.pathname === '/' || parsed.pathname === '');
    if (
      parsed === undefined ||
      !/^https?:$/.test(parsed.protocol) ||
      !okPath ||
      parsed.username ||
      parsed.search ||
      domain === ''
    ) {
      throw registryError(
        RegistryErrorCode.InvalidArgument,
        `invalid registry mirror "${item.slice(0, 100)}"`,
        {
          hint: 'use domain=http[s]://host[:port], e.g. docker.io=http://127.0.0.1:5000',
        },
      );
    }
    const canonical = domain === 'index.docker.io' ? 'docker.io' : domain;
    (out[canonical] ??= []).push(`${parsed.protocol}//${parsed.host}`);
  }
  return out;
}
