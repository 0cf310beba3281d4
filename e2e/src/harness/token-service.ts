import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { signJwtRs256 } from './jwt.js';

/** What the token service saw for one request; tests assert on it. */
export interface TokenRequest {
  method: string;
  account: string | undefined;
  scopes: string[];
  outcome: 'granted' | 'bad-credentials' | 'bad-request';
}

/** Settings of {@link startTokenService}. */
export interface TokenServiceOptions {
  privateKeyPem: string;
  kid: string;
  issuer: string;
  service: string;
  port: number;
  users: Record<string, string>;
  /** Repositories anyone may pull without credentials, like Docker Hub's public images. */
  publicRepos: string[];
}

/** A running token service (distribution's token auth spec). */
export interface TokenService {
  realm: string;
  requests: TokenRequest[];
  close(): Promise<void>;
}

interface Access {
  type: string;
  name: string;
  actions: string[];
}

// Scope grammar: type[(class)]:name:actions, the name may hold one ':' for a host port
// (distribution docs/content/spec/auth/scope.md).
function parseScope(scope: string): Access | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first < 0 || last === first) return undefined;

  const type = scope.slice(0, first).replace(/\(.*\)$/, '');
  const name = scope.slice(first + 1, last);
  const actions = scope
    .slice(last + 1)
    .split(',')
    .filter(Boolean);
  return { type, name, actions };
}

function grant(scope: Access, account: string | undefined, publicRepos: string[]): Access {
  if (scope.type !== 'repository') return { ...scope, actions: [] };
  if (account !== undefined) {
    return { ...scope, actions: scope.actions.filter((a) => ['pull', 'push'].includes(a)) };
  }
  // Anonymous callers get a token with no rights on private repos, as Docker Hub does: the
  // registry then answers 401 insufficient_scope.
  const allowed = publicRepos.includes(scope.name) ? ['pull'] : [];
  return { ...scope, actions: scope.actions.filter((a) => allowed.includes(a)) };
}

function basicCredentials(req: IncomingMessage): [string, string] | undefined {
  const header = req.headers.authorization;
  if (header === undefined || !/^basic /i.test(header)) return undefined;
  const text = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon < 0) return undefined;
  return [text.slice(0, colon), text.slice(colon + 1)];
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/**
 * Starts a token service in front of docker-registry, like auth.docker.io: `GET /token` with
 * optional Basic credentials, and the OAuth2 `POST /token` password grant containerd tries
 * first. Tokens are RS256 JWTs the registry verifies against the configured cert bundle.
 */
export async function startTokenService(opts: TokenServiceOptions): Promise<TokenService> {
  const requests: TokenRequest[] = [];

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/token') return send(res, 404, { error: 'not found' });

    let creds = basicCredentials(req);
    let scopes = url.searchParams.getAll('scope');
    let service = url.searchParams.get('service');
    if (req.method === 'POST') {
      const form = new URLSearchParams(await readBody(req));
      if (form.get('grant_type') !== 'password') {
        requests.push({ method: 'POST', account: undefined, scopes, outcome: 'bad-request' });
        return send(res, 400, { error: 'unsupported_grant_type' });
      }
      creds = [form.get('username') ?? '', form.get('password') ?? ''];
      scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
      service = form.get('service');
    }

    const method = req.method ?? 'GET';
    if (service !== opts.service) {
      requests.push({ method, account: creds?.[0], scopes, outcome: 'bad-request' });
      return send(res, 400, { error: 'invalid_request', details: `unknown service ${service}` });
    }

    if (creds !== undefined && opts.users[creds[0]] !== creds[1]) {
      requests.push({ method, account: creds[0], scopes, outcome: 'bad-credentials' });
      return send(res, 401, {
        errors: [{ code: 'UNAUTHORIZED', message: 'incorrect username or password' }],
      });
    }

    const account = creds?.[0];
    const access = scopes
      .map(parseScope)
      .filter((s): s is Access => s !== undefined)
      .map((s) => grant(s, account, opts.publicRepos));
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      iss: opts.issuer,
      sub: account ?? '',
      aud: opts.service,
      iat: now,
      nbf: now - 10,
      exp: now + 300,
      jti: randomUUID(),
      access,
    };
    const token = signJwtRs256(claims, opts.privateKeyPem, opts.kid);

    requests.push({ method, account, scopes, outcome: 'granted' });
    const issuedAt = new Date(now * 1000).toISOString();
    return send(res, 200, { token, access_token: token, expires_in: 300, issued_at: issuedAt });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => send(res, 500, { error: String(err) }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, '127.0.0.1', resolve);
  });

  return {
    realm: `http://127.0.0.1:${String(opts.port)}/token`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
