import { afterEach, describe, expect, it } from '@jest/globals';

import { formatErrorChain } from '@iza/errors';

import {
  createRegistryClient,
  type CredentialStore,
  type Credentials,
  type RegistryEvent,
} from './index.js';
import { buildTestImage, startTestRegistry, type TestRegistry } from './test-support/index.js';

let registry: TestRegistry | undefined;

afterEach(async () => {
  await registry?.close();
  registry = undefined;
});

async function start(options: Parameters<typeof startTestRegistry>[0] = {}): Promise<TestRegistry> {
  registry = await startTestRegistry(options);
  registry.pushImage('team/app', ['latest'], buildTestImage());
  return registry;
}

/** A store in memory that records what login stored. */
function memoryStore(
  initial: Record<string, Credentials> = {},
): CredentialStore & { data: Record<string, Credentials> } {
  const data = { ...initial };
  return {
    data,
    get: async (r) => data[r],
    set: async (r, c) => void (data[r] = c),
    remove: async (r) => delete data[r],
  };
}

function client(
  store?: CredentialStore,
  events: RegistryEvent[] = [],
): ReturnType<typeof createRegistryClient> {
  return createRegistryClient({
    ...(store === undefined ? {} : { credentials: store }),
    onEvent: (e) => events.push(e),
    retry: { baseDelayMs: 1, maxDelayMs: 20 },
  });
}

describe('token auth', () => {
  it('pulls anonymously with a scoped token and no Authorization on the token request', async () => {
    const reg = await start({ auth: { scheme: 'bearer' } });
    const events: RegistryEvent[] = [];
    await client(undefined, events).resolve(`${reg.host}/team/app`);

    expect(reg.authority.tokenRequests).toEqual([
      { service: 'test-registry', scopes: ['repository:team/app:pull'], account: null },
    ]);
    expect(reg.requests.find((r) => r.server === 'token')?.headers.authorization).toBeUndefined();
    expect(events).toContainEqual({
      type: 'auth',
      registry: reg.host,
      scheme: 'bearer',
      scopes: ['repository:team/app:pull'],
      anonymous: true,
    });
  });

  it('sends Basic and account= on the token request with credentials', async () => {
    const reg = await start({
      auth: { scheme: 'bearer', users: { ann: 'secret-pw' }, anonymous: false },
    });
    await client(memoryStore({ [reg.host]: { username: 'ann', password: 'secret-pw' } })).resolve(
      `${reg.host}/team/app`,
    );
    expect(reg.authority.tokenRequests[0]).toMatchObject({ account: 'ann', basicUser: 'ann' });
  });

  it('caches the token per scope', async () => {
    const reg = await start({ auth: { scheme: 'bearer' } });
    const c = client();
    await c.resolve(`${reg.host}/team/app`);
    await c.resolve(`${reg.host}/team/app`);
    expect(reg.authority.tokenRequests).toHaveLength(1);
  });

  it('exchanges again when a 401 names another scope', async () => {
    const reg = await start({
      auth: { scheme: 'bearer', extraScope: 'repository:team/base:pull' },
    });
    await client().resolve(`${reg.host}/team/app`);
    expect(reg.authority.tokenRequests.map((t) => t.scopes)).toContainEqual([
      'repository:team/base:pull',
      'repository:team/app:pull',
    ]);
  });

  it('refuses a pull when the token has no access, saying how to log in', async () => {
    const reg = await start({ auth: { scheme: 'bearer', anonymous: false } });
    const err = await client()
      .resolve(`${reg.host}/team/app`)
      .catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'ERR_IZA_REGISTRY_UNAUTHORIZED',
      hint: expect.stringContaining(`iza login ${reg.host}`) as unknown as string,
    });
  });

  it('asks once for a token when a fresh one has no access (no second exchange)', async () => {
    const reg = await start({ auth: { scheme: 'bearer', anonymous: false } });
    await client()
      .resolve(`${reg.host}/team/app`)
      .catch(() => undefined);
    expect(reg.authority.tokenRequests).toHaveLength(1);
  });

  it('exchanges again when the server drops a cached token before it expires (mid-pull)', async () => {
    const reg = await start({ auth: { scheme: 'bearer', expiresIn: 300 } });
    const c = client();
    const image = await c.resolve(`${reg.host}/team/app`);
    // The token service and the registry forget every token, as when a token outlives its real
    // lifetime during a long pull or the clocks disagree.
    reg.authority.tokens.clear();
    const layer = image.layers[0];
    if (layer === undefined) throw new Error('test image has no layer');

    const stream = await c.fetchBlob(`${reg.host}/team/app`, layer);
    for await (const chunk of stream) expect(chunk).toBeInstanceOf(Buffer);
    expect(reg.authority.tokenRequests).toHaveLength(2);
  });

  it('takes access_token alone, token alone, no expires_in, and a realm with a query', async () => {
    const reg = await start({ auth: { scheme: 'bearer' } });
    for (const body of ['{"access_token":"%T"}', '{"token":"%T"}']) {
      const realm = `${reg.url}/token?client_id=iza-test`;
      reg.faults.push({
        path: '/v2/',
        method: 'GET',
        times: 1,
        status: 401,
        headers: {
          // Lower-case scheme, and a Basic challenge packed into the same field after it.
          'WWW-Authenticate': `bearer realm="${realm}",service="test-registry", Basic realm="r"`,
        },
      });
      const c = client();
      // The realm answers with one token field only; the registry accepts that token.
      reg.faults.push({ server: 'token', times: 1, status: 200, body: body.replace('%T', 'tk') });
      reg.authority.tokens.set('tk', { scopes: ['repository:team/app:pull'], account: undefined });
      await c.resolve(`${reg.host}/team/app`);
    }
    const tokenPaths = reg.requests.filter((r) => r.server === 'token').map((r) => r.path);
    expect(tokenPaths).toEqual([
      '/token?client_id=iza-test&service=test-registry&scope=repository%3Ateam%2Fapp%3Apull',
      '/token?client_id=iza-test&service=test-registry&scope=repository%3Ateam%2Fapp%3Apull',
    ]);
  });

  it('reports wrong credentials without ever showing the password', async () => {
    const reg = await start({ auth: { scheme: 'bearer', users: { ann: 'right' } } });
    const events: RegistryEvent[] = [];
    const store = memoryStore({ [reg.host]: { username: 'ann', password: 'hunter2-wrong' } });
    const err = await client(store, events)
      .resolve(`${reg.host}/team/app`)
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_IZA_REGISTRY_UNAUTHORIZED' });
    const everything = `${formatErrorChain(err)} ${JSON.stringify(err)} ${JSON.stringify(events)}`;
    expect(everything).not.toContain('hunter2-wrong');
    expect(everything).not.toContain(Buffer.from('ann:hunter2-wrong').toString('base64'));
  });

  it('refuses to send credentials to a plain-http realm of an https registry (downgrade)', async () => {
    const reg = await start();
    // A fetch that plays an https registry whose challenge points at a plain-http realm.
    const calls: string[] = [];
    const fetch = async (
      url: string,
    ): Promise<{ status: number; headers: { get(n: string): string | null }; body: null }> => {
      calls.push(url);
      const headers = new Map([
        ['www-authenticate', `Bearer realm="${reg.url}/token",service="x"`],
      ]);
      return { status: 401, headers: { get: (n) => headers.get(n) ?? null }, body: null };
    };
    const c = createRegistryClient({
      fetch,
      credentials: memoryStore({ 'secure.example': { username: 'a', password: 'pw-secret' } }),
    });
    await expect(c.resolve('secure.example/app')).rejects.toMatchObject({
      code: 'ERR_IZA_REGISTRY_PROTOCOL',
    });
    expect(calls.some((u) => u.includes('/token'))).toBe(false);
  });
});

describe('basic auth', () => {
  it('sends Basic directly when the challenge is Basic', async () => {
    const reg = await start({ auth: { scheme: 'basic', users: { bob: 'pw-bob' } } });
    const events: RegistryEvent[] = [];
    await client(
      memoryStore({ [reg.host]: { username: 'bob', password: 'pw-bob' } }),
      events,
    ).resolve(`${reg.host}/team/app`);
    const manifestGet = reg.requests.find((r) => r.path.includes('/manifests/'));
    expect(manifestGet?.headers.authorization).toBe(
      `Basic ${Buffer.from('bob:pw-bob').toString('base64')}`,
    );
    expect(reg.authority.tokenRequests).toHaveLength(0);
  });

  it('fails without credentials', async () => {
    const reg = await start({ auth: { scheme: 'basic', users: { bob: 'pw-bob' } } });
    await expect(client().resolve(`${reg.host}/team/app`)).rejects.toMatchObject({
      code: 'ERR_IZA_REGISTRY_UNAUTHORIZED',
    });
  });
});

describe('login', () => {
  it.each([
    ['bearer', { scheme: 'bearer' as const, users: { ann: 'good-pw' } }],
    ['basic', { scheme: 'basic' as const, users: { ann: 'good-pw' } }],
  ])('verifies credentials against a %s registry before storing them', async (_name, auth) => {
    const reg = await start({ auth });
    const store = memoryStore();
    const c = client(store);

    await expect(c.login(reg.host, { username: 'ann', password: 'bad-pw' })).rejects.toMatchObject({
      code: 'ERR_IZA_REGISTRY_UNAUTHORIZED',
    });
    expect(store.data).toEqual({});

    await c.login(`http://${reg.host}/`, { username: 'ann', password: 'good-pw' });
    expect(store.data).toEqual({ [reg.host]: { username: 'ann', password: 'good-pw' } });
  });

  it('refuses empty credentials', async () => {
    await expect(
      client().login('example.com', { username: '', password: 'x' }),
    ).rejects.toMatchObject({
      code: 'ERR_IZA_REGISTRY_INVALID_ARGUMENT',
    });
  });
});
