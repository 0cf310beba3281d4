import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { sha256, type TestImage } from './test-images.js';
import { TestAuthority, type TestAuth } from './test-registry-auth.js';

/** Options of {@link startTestRegistry}. */
export interface TestRegistryOptions {
  auth?: TestAuth;
  /** Answer blob GETs with 307 to a second server (another port), as S3-backed registries do. */
  redirectBlobs?: boolean;
  /** Honour `Range: bytes=N-` on blobs (default true); when false, always send the whole blob. */
  range?: boolean;
  /** Send Docker Hub style `ratelimit-*` headers on manifest requests; GETs count, HEADs don't. */
  rateLimit?: { limit: number; remaining: number };
  /** Leave Docker-Content-Digest off manifest responses, as some old registries do. */
  omitDigestHeader?: boolean;
}

/** A scripted misbehaviour, used `times` times on requests that match. */
export interface TestFault {
  server?: 'registry' | 'storage' | 'token';
  method?: string;
  /** Matches when the request path (with query) contains it. */
  path?: string;
  times: number;
  /** Answer with this status (and headers, body) instead of serving. */
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  /** Serve the blob but cut the connection after this many body bytes. */
  dropAfterBytes?: number;
}

/** A request the test registry saw. */
export interface RecordedRequest {
  server: 'registry' | 'storage' | 'token';
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
}

interface StoredManifest {
  bytes: Buffer;
  contentType: string;
  digest: string;
}

/** A registry on 127.0.0.1 serving the distribution pull API from memory, for tests. */
export interface TestRegistry {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** `127.0.0.1:PORT`, usable as a reference domain. */
  readonly host: string;
  /** Base URL of the blob storage server blobs redirect to. */
  readonly storageUrl: string;
  readonly requests: RecordedRequest[];
  readonly faults: TestFault[];
  readonly authority: TestAuthority;
  /** Stores a blob under `digest` (the digest of the bytes when omitted: pass another to lie). */
  putBlob(repository: string, bytes: Buffer, digest?: string): string;
  /** Stores manifest bytes under its digest and each tag, served with `contentType`. */
  putManifest(repository: string, tags: string[], bytes: Buffer, contentType: string): string;
  /** Pushes config, layers and manifest of an image, tagged. */
  pushImage(repository: string, tags: string[], image: TestImage): string;
  close(): Promise<void>;
}

/** Starts a {@link TestRegistry} and its storage server on ephemeral loopback ports. */
export async function startTestRegistry(options: TestRegistryOptions = {}): Promise<TestRegistry> {
  const blobs = new Map<string, Map<string, Buffer>>();
  const manifests = new Map<string, Map<string, StoredManifest>>();
  const requests: RecordedRequest[] = [];
  const faults: TestFault[] = [];
  const rate = options.rateLimit === undefined ? undefined : { ...options.rateLimit };
  let url = '';
  let storageUrl = '';
  const authority = new TestAuthority(options.auth, () => `${url}/token`);

  const applyFault = (
    server: RecordedRequest['server'],
    req: IncomingMessage,
    res: ServerResponse,
  ): TestFault | undefined => {
    const fault = faults.find(
      (f) =>
        f.times > 0 &&
        (f.server ?? 'registry') === server &&
        (f.method === undefined || f.method === req.method) &&
        (f.path === undefined || (req.url ?? '').includes(f.path)),
    );
    if (fault === undefined) return undefined;
    fault.times--;
    if (fault.status !== undefined) {
      const body =
        fault.body ??
        JSON.stringify({ errors: [{ code: 'UNKNOWN', message: `scripted ${fault.status}` }] });
      res
        .writeHead(fault.status, { 'Content-Type': 'application/json', ...fault.headers })
        .end(body);
    }
    return fault;
  };

  const record = (server: RecordedRequest['server'], req: IncomingMessage): void => {
    requests.push({ server, method: req.method ?? '', path: req.url ?? '', headers: req.headers });
  };

  const registry = createServer((req, res) => {
    const parsed = new URL(req.url ?? '/', url);
    const server = parsed.pathname === '/token' ? 'token' : 'registry';
    record(server, req);
    const fault = applyFault(server, req, res);
    if (fault?.status !== undefined) return;
    if (server === 'token') return authority.serveToken(req, res, parsed);
    if (parsed.pathname === '/v2/' || parsed.pathname === '/v2') {
      if (!authority.check(req, res, undefined)) return;
      return void res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    }

    const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(parsed.pathname);
    if (m === null || (req.method !== 'GET' && req.method !== 'HEAD'))
      return notFound(res, 'NAME_UNKNOWN', req);
    const [, repository = '', kind, ref = ''] = m;
    if (!authority.check(req, res, repository)) return;

    if (kind === 'manifests') {
      const found = manifests.get(repository)?.get(decodeURIComponent(ref));
      if (found === undefined)
        return notFound(res, manifests.has(repository) ? 'MANIFEST_UNKNOWN' : 'NAME_UNKNOWN', req);
      const headers: Record<string, string> = {
        'Content-Type': found.contentType,
        'Content-Length': String(found.bytes.length),
      };
      if (!options.omitDigestHeader) headers['Docker-Content-Digest'] = found.digest;
      if (rate !== undefined) {
        if (req.method === 'GET') rate.remaining = Math.max(0, rate.remaining - 1);
        headers['ratelimit-limit'] = `${rate.limit};w=21600`;
        headers['ratelimit-remaining'] = `${rate.remaining};w=21600`;
        headers['docker-ratelimit-source'] = '127.0.0.1';
      }
      res.writeHead(200, headers);
      return void res.end(req.method === 'HEAD' ? undefined : found.bytes);
    }

    const blob = blobs.get(repository)?.get(ref);
    if (blob === undefined) return notFound(res, 'BLOB_UNKNOWN', req);
    if (options.redirectBlobs && req.method === 'GET') {
      const location = `${storageUrl}/storage/${ref}?X-Amz-Signature=s3cr3t-signature`;
      return void res.writeHead(307, { Location: location, 'Content-Length': '0' }).end();
    }
    serveBlob(req, res, blob, ref, fault);
  });

  const storage = createServer((req, res) => {
    record('storage', req);
    const fault = applyFault('storage', req, res);
    if (fault?.status !== undefined) return;
    const digest = /^\/storage\/([^/?]+)/.exec(req.url ?? '')?.[1] ?? '';
    const blob = [...blobs.values()].map((repo) => repo.get(digest)).find((b) => b !== undefined);
    if (blob === undefined) return notFound(res, 'BLOB_UNKNOWN', req);
    serveBlob(req, res, blob, digest, fault);
  });

  function serveBlob(
    req: IncomingMessage,
    res: ServerResponse,
    blob: Buffer,
    digest: string,
    fault: TestFault | undefined,
  ): void {
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = range !== null && options.range !== false ? Number(range[1]) : 0;
    if (start > 0 && start >= blob.length) {
      // As Go's http.ServeContent (docker-registry): a range past the end is unsatisfiable.
      res.writeHead(416, { 'Content-Range': `bytes */${blob.length}` });
      return void res.end();
    }
    const body = blob.subarray(start);
    const headers: Record<string, string> = {
      'Content-Type': 'application/octet-stream',
      'Content-Length': String(body.length),
      'Docker-Content-Digest': digest,
      'Accept-Ranges': options.range === false ? 'none' : 'bytes',
    };
    if (start > 0) headers['Content-Range'] = `bytes ${start}-${blob.length - 1}/${blob.length}`;
    res.writeHead(start > 0 ? 206 : 200, headers);
    if (req.method === 'HEAD') return void res.end();
    if (fault?.dropAfterBytes !== undefined) {
      res.write(body.subarray(0, fault.dropAfterBytes), () =>
        setTimeout(() => res.socket?.destroy(), 20),
      );
      return;
    }
    res.end(body);
  }

  url = await listen(registry);
  storageUrl = await listen(storage);

  const put = <T>(map: Map<string, Map<string, T>>, repository: string): Map<string, T> => {
    let repo = map.get(repository);
    if (repo === undefined) map.set(repository, (repo = new Map()));
    return repo;
  };

  const api: TestRegistry = {
    url,
    host: new URL(url).host,
    storageUrl,
    requests,
    faults,
    authority,
    putBlob(repository, bytes, digest = sha256(bytes)) {
      put(blobs, repository).set(digest, bytes);
      return digest;
    },
    putManifest(repository, tags, bytes, contentType) {
      const digest = sha256(bytes);
      const repo = put(manifests, repository);
      for (const key of [digest, ...tags]) repo.set(key, { bytes, contentType, digest });
      return digest;
    },
    pushImage(repository, tags, image) {
      api.putBlob(repository, image.config.bytes);
      for (const layer of image.layers) api.putBlob(repository, layer.bytes);
      return api.putManifest(
        repository,
        tags,
        image.manifest.bytes,
        image.manifest.descriptor.mediaType,
      );
    },
    async close() {
      await Promise.all(
        [registry, storage].map(
          (s) =>
            new Promise<void>((resolve) => {
              s.close(() => resolve());
              s.closeAllConnections();
            }),
        ),
      );
    },
  };
  return api;
}

function notFound(res: ServerResponse, code: string, req: IncomingMessage): void {
  const body = JSON.stringify({
    errors: [{ code, message: `${code.toLowerCase().replace('_', ' ')}` }],
  });
  res
    .writeHead(404, { 'Content-Type': 'application/json' })
    .end(req.method === 'HEAD' ? undefined : body);
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve(`http://127.0.0.1:${port}`);
    });
  });
}
