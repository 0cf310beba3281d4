/** One challenge from a `WWW-Authenticate` header: scheme lowercased, param keys lowercased. */
export interface AuthChallenge {
  scheme: string;
  params: Record<string, string>;
}

const TOKEN = /[A-Za-z0-9!#$%&'*+.^_`|~-]+/y;
const SPACES = /[ \t]*/y;
const TOKEN68 = /[A-Za-z0-9._~+/-]+=*/y;

class Scanner {
  pos = 0;
  constructor(readonly text: string) {}

  match(re: RegExp): string | undefined {
    re.lastIndex = this.pos;
    const m = re.exec(this.text);
    if (m === null || m[0] === '') return undefined;
    this.pos = re.lastIndex;
    return m[0];
  }

  skipSpaces(): void {
    this.match(SPACES);
  }

  peek(): string | undefined {
    return this.text[this.pos];
  }

  quoted(): string {
    let out = '';
    this.pos++;
    while (this.pos < this.text.length) {
      const ch = this.text[this.pos++];
      if (ch === '"') return out;
      // RFC 7230 quoted-pair: a backslash escapes the next character.
      if (ch === '\\' && this.pos < this.text.length) out += this.text[this.pos++];
      else out += ch;
    }
    return out;
  }
}

/**
 * Parses every challenge in one or more `WWW-Authenticate` values (SPECS §1.2). Unlike the
 * reference parsers it also splits several challenges packed into one field (RFC 7235 §4.1),
 * which is what a fetch implementation hands back when a registry sends several fields.
 */
export function parseWwwAuthenticate(values: string | readonly string[]): AuthChallenge[] {
  const out: AuthChallenge[] = [];
  for (const value of typeof values === 'string' ? [values] : values) parseField(value, out);
  return out;
}

function parseField(value: string, out: AuthChallenge[]): void {
  const s = new Scanner(value);
  let scheme = nextScheme(s);
  while (scheme !== undefined) {
    const challenge: AuthChallenge = { scheme: scheme.toLowerCase(), params: {} };
    out.push(challenge);
    scheme = readParams(s, challenge);
  }
}

function nextScheme(s: Scanner): string | undefined {
  while (s.pos < s.text.length) {
    const token = s.match(TOKEN);
    if (token !== undefined) return token;
    s.pos++;
  }
  return undefined;
}

/** Reads `key=value` params; returns the next challenge's scheme when one starts. */
function readParams(s: Scanner, challenge: AuthChallenge): string | undefined {
  s.skipSpaces();
  const start = s.pos;
  const token68 = s.match(TOKEN68);
  s.skipSpaces();
  if (token68 !== undefined && (s.peek() === ',' || s.peek() === undefined)) {
    return nextScheme(s);
  }
  s.pos = start;

  for (;;) {
    s.skipSpaces();
    while (s.peek() === ',') {
      s.pos++;
      s.skipSpaces();
    }
    const key = s.match(TOKEN);
    if (key === undefined) return nextScheme(s);
    s.skipSpaces();
    if (s.peek() !== '=') return key;
    s.pos++;
    s.skipSpaces();
    const val = s.peek() === '"' ? s.quoted() : (s.match(TOKEN) ?? '');
    challenge.params[key.toLowerCase()] = val;
  }
}

/**
 * The challenge iza answers: Bearer first, then Basic.
 * LIMITATION: Digest and Negotiate challenges are never answered; such registries fail with
 * ERR_IZA_REGISTRY_UNAUTHORIZED.
 */
export function pickChallenge(challenges: readonly AuthChallenge[]): AuthChallenge | undefined {
  return (
    challenges.find((c) => c.scheme === 'bearer') ?? challenges.find((c) => c.scheme === 'basic')
  );
}
