import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** How the test registry authenticates. */
export type TestAuth =
  | {
      scheme: 'bearer';
      /** username → password accepted by the token endpoint. */
      users?: Record<string, string>;
      /** When false, anonymous tokens carry no scope, so pulls need a login. Default true. */
      anonymous?: boolean;
      /** A scope every request must also hold; a 401 names it (tests re-exchange). */
      extraScope?: string;
      /** `expires_in` the token endpoint reports; omitted when undefined. */
      expiresIn?: number;
    }
  | { scheme: 'basic'; users: Record<string, string> };

interface IssuedToken {
  scopes: string[];
  account: string | undefined;
}

/** Token issuing and checking for the test registry. */
export class TestAuthority {
  readonly tokens = new Map<string, IssuedToken>();
  /** Every token request's query, in order: service, scope (all), account. */
  readonly tokenRequests: {
    service: string | null;
    scopes: string[];
    account: string | null;
    basicUser?: string;
  }[] = [];

  constructor(
    readonly auth: TestAuth | undefined,
    readonly realm: () => string,
  ) {}

  private basicUser(req: IncomingMessage): { user: string; ok: boolean } | undefined {
    const header = req.headers.authorization ?? '';
    if (!header.startsWith('Basic ')) return undefined;
    const text = Buffer.from(header.slice(6), 'base64').toString('utf8');
    const colon = text.indexOf(':');
    const user = text.slice(0, colon);
    const users = this.auth?.users ?? {};
    return { user, ok: colon > 0 && users[user] === text.slice(colon + 1) };
  }

  /** Serves the realm: GET /token?service=…&scope=…&account=…. */
  serveToken(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const auth = this.auth;
    const basic = this.basicUser(req);
    const scopes = url.searchParams.getAll('scope');
    this.tokenRequests.push({
      service: url.searchParams.get('service'),
      scopes,
      account: url.searchParams.get('account'),
      ...(basic === undefined ? {} : { basicUser: basic.user }),
    });
    if (auth?.scheme !== 'bearer' || (basic !== undefined && !basic.ok)) {
      res
        .writeHead(401, { 'Content-Type': 'application/json' })
        .end('{"details":"incorrect username or password"}');
      return;
    }
    const granted = basic !== undefined || auth.anonymous !== false ? scopes : [];
    const token = randomBytes(16).toString('hex');
    this.tokens.set(token, { scopes: granted, account: basic?.user });
    const body = {
      token,
      access_token: token,
      ...(auth.expiresIn === undefined ? {} : { expires_in: auth.expiresIn }),
    };
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  }

  /** True when `req` may pull from `repository` (or ping when undefined); else answers 401. */
  check(req: IncomingMessage, res: ServerResponse, repository: string | undefined): boolean {
    const auth = this.auth;
    if (auth === undefined) return true;
    if (auth.scheme === 'basic') {
      if (this.basicUser(req)?.ok) return true;
      return deny(res, 'Basic realm="test-registry"');
    }

    const needed = repository === undefined ? [] : [`repository:${repository}:pull`];
    if (auth.extraScope !== undefined && repository !== undefined) needed.push(auth.extraScope);
    const header = req.headers.authorization ?? '';
    const token = header.startsWith('Bearer ') ? this.tokens.get(header.slice(7)) : undefined;
    if (token !== undefined && needed.every((s) => token.scopes.includes(s))) return true;
    const scope =
      needed.length > 0 ? `,scope="${needed.join(' ')}",error="insufficient_scope"` : '';
    return deny(res, `Bearer realm="${this.realm()}",service="test-registry"${scope}`);
  }
}

function deny(res: ServerResponse, challenge: string): false {
  const body = JSON.stringify({
    errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }],
  });
  res
    .writeHead(401, { 'Content-Type': 'application/json', 'WWW-Authenticate': challenge })
    .end(body);
  return false;
}
