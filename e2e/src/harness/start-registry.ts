import { spawn } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onExitCleanup } from './exit-cleanup.js';
import { freePort } from './free-port.js';
import { htpasswdLine } from './htpasswd.js';
import { libtrustKeyId } from './jwt.js';
import type { RegistryAuthConfig } from './registry-config.js';
import { registryConfigYaml } from './registry-config.js';
import { startTokenService, type TokenService } from './token-service.js';
import { tool } from './tool.js';

/** The one user every auth registry knows. */
export const REGISTRY_USER = { username: 'iza-e2e', password: 'correct horse battery' } as const;

/** Repositories the token service lets anyone pull. */
export const PUBLIC_REPOS = ['public/minimal', 'library/alpine'];

/** Options of {@link startRegistry}. */
export interface StartRegistryOptions {
  auth?: 'none' | 'basic' | 'token';
}

/** A running docker-registry on 127.0.0.1. */
export interface Registry {
  /** `127.0.0.1:PORT`: the host part of image references. */
  host: string;
  port: number;
  auth: 'none' | 'basic' | 'token';
  /** The token service in front of a token registry. */
  tokenService?: TokenService;
  /** Credentials skopeo needs to push (`user:password`), absent for `none`. */
  creds?: string;
  pid: number;
  /** Kills the registry by pid, stops the token service and removes the temp dir. */
  stop(): Promise<void>;
}

const TOKEN_SERVICE = 'iza-e2e-registry';
const TOKEN_ISSUER = 'iza-e2e-token-issuer';

async function waitForV2(port: number, logPath: string, exited: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (exited()) break;
    try {
      const res = await fetch(`http://127.0.0.1:${String(port)}/v2/`);
      // 200 without auth, 401 with: either way the registry is serving.
      if (res.status === 200 || res.status === 401) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const log = readFileSync(logPath, 'utf8').slice(-2000);
  throw new Error(`docker-registry on port ${String(port)} did not answer GET /v2/:\n${log}`);
}

async function makeTokenKeys(dir: string): Promise<{ keyPem: string; certPath: string }> {
  const keyPath = join(dir, 'token.key');
  const certPath = join(dir, 'token.crt');
  await tool('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=iza-e2e-token-issuer',
    '-keyout',
    keyPath,
    '-out',
    certPath,
  ]);
  return { keyPem: readFileSync(keyPath, 'utf8'), certPath };
}

/**
 * Starts Debian's docker-registry (`docker-registry serve config.yml`) on a free loopback port
 * with storage in a fresh temp dir, optionally behind htpasswd basic auth or a token service.
 * Resolves once `GET /v2/` answers. The process is also killed when this process exits.
 */
export async function startRegistry(opts: StartRegistryOptions = {}): Promise<Registry> {
  const mode = opts.auth ?? 'none';
  const dir = await mkdtemp(join(tmpdir(), 'iza-e2e-registry-'));
  const undoDir = onExitCleanup({ dir });
  const port = await freePort();
  let tokenService: TokenService | undefined;

  let auth: RegistryAuthConfig = { kind: 'none' };
  if (mode === 'basic') {
    const htpasswdPath = join(dir, 'htpasswd');
    await writeFile(
      htpasswdPath,
      await htpasswdLine(REGISTRY_USER.username, REGISTRY_USER.password),
    );
    auth = { kind: 'basic', realm: 'iza-e2e', htpasswdPath };
  }

  if (mode === 'token') {
    const { keyPem, certPath } = await makeTokenKeys(dir);
    tokenService = await startTokenService({
      privateKeyPem: keyPem,
      kid: libtrustKeyId(readFileSync(certPath, 'utf8')),
      issuer: TOKEN_ISSUER,
      service: TOKEN_SERVICE,
      port: await freePort(),
      users: { [REGISTRY_USER.username]: REGISTRY_USER.password },
      publicRepos: PUBLIC_REPOS,
    });
    auth = {
      kind: 'token',
      realm: tokenService.realm,
      service: TOKEN_SERVICE,
      issuer: TOKEN_ISSUER,
      certBundlePath: certPath,
    };
  }

  const storageDir = join(dir, 'storage');
  await mkdir(storageDir);
  const configPath = join(dir, 'config.yml');
  await writeFile(configPath, registryConfigYaml({ storageDir, port, auth }));

  const logPath = join(dir, 'registry.log');
  const logFd = openSync(logPath, 'a');
  const child = spawn('/usr/bin/docker-registry', ['serve', configPath], {
    stdio: ['ignore', logFd, logFd],
  });
  closeSync(logFd);
  if (child.pid === undefined) throw new Error('docker-registry did not start');
  const pid = child.pid;
  const undoPid = onExitCleanup({ pid });
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exit.then(() => (exited = true));
  // The registry must not keep the test process alive on its own.
  child.unref();

  const stop = async (): Promise<void> => {
    if (!exited) {
      process.kill(pid, 'SIGTERM');
      const timer = setTimeout(() => !exited && process.kill(pid, 'SIGKILL'), 5000);
      await exit;
      clearTimeout(timer);
    }
    undoPid();
    await tokenService?.close();
    await rm(dir, { recursive: true, force: true });
    undoDir();
  };

  try {
    await waitForV2(port, logPath, () => exited);
  } catch (err) {
    await stop();
    throw err;
  }

  const host = `127.0.0.1:${String(port)}`;
  const creds =
    mode === 'none' ? {} : { creds: `${REGISTRY_USER.username}:${REGISTRY_USER.password}` };
  return { host, port, auth: mode, pid, stop, ...creds, ...(tokenService ? { tokenService } : {}) };
}
