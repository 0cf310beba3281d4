import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The files docker bind-mounts over the image's /etc: hostname, hosts and resolv.conf. */
export interface EtcFiles {
  hostname: string;
  hosts: string;
  resolvConf: string;
}

/**
 * Writes the container's /etc/hostname, /etc/hosts and /etc/resolv.conf into `dir` (they are
 * bind-mounted, so the image's own files stay untouched, as docker does). With no network but
 * loopback, nameservers on the host's loopback cannot be reached and are left out.
 */
export function writeEtcFiles(
  dir: string,
  hostname: string,
  hostResolv = '/etc/resolv.conf',
): EtcFiles {
  const files: EtcFiles = {
    hostname: join(dir, 'hostname'),
    hosts: join(dir, 'hosts'),
    resolvConf: join(dir, 'resolv.conf'),
  };

  writeFileSync(files.hostname, `${hostname}\n`);
  writeFileSync(
    files.hosts,
    [
      '127.0.0.1\tlocalhost',
      '::1\tlocalhost ip6-localhost ip6-loopback',
      'fe00::0\tip6-localnet',
      'ff00::0\tip6-mcastprefix',
      'ff02::1\tip6-allnodes',
      'ff02::2\tip6-allrouters',
      `127.0.1.1\t${hostname}`,
      '',
    ].join('\n'),
  );
  writeFileSync(files.resolvConf, resolvConfFrom(hostResolv));
  return files;
}

function resolvConfFrom(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return '';
  }
  return text
    .split('\n')
    .filter((l) => !/^\s*nameserver\s+(127\.|::1\b)/.test(l))
    .join('\n');
}
