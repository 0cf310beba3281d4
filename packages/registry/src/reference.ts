import { isValidDigest } from './digest.js';
import { RegistryErrorCode, registryError } from './errors.js';

/** A parsed, normalised image reference as docker understands it. */
export interface ImageReference {
  /** Registry domain, `docker.io` for Docker Hub (never `index.docker.io`). */
  readonly domain: string;
  /** Repository path inside the registry, e.g. `library/alpine`. */
  readonly path: string;
  /** Tag; `latest` when neither a tag nor a digest was given; absent when pulling by digest. */
  readonly tag?: string;
  /** `algorithm:hex` when the reference pins a digest. */
  readonly digest?: string;
  /** `domain/path`, e.g. `docker.io/library/alpine`. */
  readonly repository: string;
  /** The short name `docker images` shows as REPOSITORY, e.g. `alpine` or `ghcr.io/a/b`. */
  readonly familiarName: string;
  /** The familiar name with its tag or digest, e.g. `alpine:latest`. */
  readonly familiarString: string;
  /** Canonical form, e.g. `docker.io/library/alpine:latest`. */
  toString(): string;
}

const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
const NAME_TOTAL_LENGTH_MAX = 255;

// distribution/reference:regexp.go, written out.
const ALNUM = '[a-z0-9]+';
const SEPARATOR = '(?:[._]|__|[-]+)';
const PATH_COMPONENT = `${ALNUM}(?:${SEPARATOR}${ALNUM})*`;
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN_NAME = `${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*`;
const IPV6 = '\\[(?:[a-fA-F0-9:]+)\\]';
const DOMAIN = `(?:${DOMAIN_NAME}|${IPV6})(?::[0-9]+)?`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const REFERENCE = new RegExp(
  `^((?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*)(?::(${TAG}))?(?:@(${DIGEST}))?$`,
);
const DOMAIN_ONLY = new RegExp(`^${DOMAIN}$`);
const BARE_HEX_ID = /^[a-f0-9]{64}$/;

const HINT = 'use [registry[:port]/]repository[:tag][@digest] in lowercase, e.g. alpine:3.20';

function invalid(input: string, why: string): Error {
  return registryError(
    RegistryErrorCode.InvalidReference,
    `invalid reference "${clip(input)}": ${why}`,
    {
      hint: HINT,
    },
  );
}

function clip(input: string): string {
  return input.length > 100 ? `${input.slice(0, 100)}…` : input;
}

/**
 * Splits off the registry domain the way docker does (`distribution/reference:normalize.go`): the
 * first component before a `/` is a domain when it is `localhost`, contains `.` or `:`, or has an
 * uppercase letter; otherwise the reference is on Docker Hub.
 */
function splitDomain(name: string): { domain: string; remainder: string } {
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  const isDomain =
    slash >= 0 &&
    (first.includes('.') ||
      first.includes(':') ||
      first === 'localhost' ||
      first.toLowerCase() !== first);
  let domain = isDomain ? first : DEFAULT_DOMAIN;
  let remainder = isDomain ? name.slice(slash + 1) : name;
  if (domain === LEGACY_DEFAULT_DOMAIN) domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !remainder.includes('/')) remainder = `library/${remainder}`;
  return { domain, remainder };
}

/**
 * Parses an image reference with docker's normalisation (`ParseDockerRef`): `alpine` becomes
 * `docker.io/library/alpine:latest`, `index.docker.io` becomes `docker.io`, a tag next to a digest
 * is dropped because the digest decides what is pulled. Throws
 * `ERR_IZA_REGISTRY_INVALID_REFERENCE` with a hint on anything docker would refuse.
 */
export function parseReference(input: string): ImageReference {
  if (typeof input !== 'string' || input === '') throw invalid(String(input), 'empty reference');
  if (BARE_HEX_ID.test(input)) {
    throw invalid(input, 'a 64-character hexadecimal string is an image id, not a repository name');
  }

  const { domain, remainder } = splitDomain(input);
  const repoPart = remainder.split('@')[0] ?? '';
  const colon = repoPart.indexOf(':');
  const remote = colon < 0 ? repoPart : repoPart.slice(0, colon);
  if (remote.toLowerCase() !== remote) throw invalid(input, 'repository name must be lowercase');

  const match = REFERENCE.exec(`${domain}/${remainder}`);
  if (match === null) throw invalid(input, 'it does not match the reference grammar');
  const name = match[1] ?? '';
  if (name.length > NAME_TOTAL_LENGTH_MAX) {
    throw invalid(input, `repository name is longer than ${NAME_TOTAL_LENGTH_MAX} characters`);
  }

  const digest = match[3];
  if (digest !== undefined && !isValidDigest(digest)) {
    throw invalid(input, 'digest algorithm is unknown or its hex has the wrong length');
  }
  const tag = digest === undefined ? (match[2] ?? 'latest') : undefined;
  return makeReference(domain, name.slice(domain.length + 1), tag, digest);
}

/** Builds a reference from parts that are already valid (used for by-digest child pulls). */
export function makeReference(
  domain: string,
  path: string,
  tag: string | undefined,
  digest: string | undefined,
): ImageReference {
  if (!DOMAIN_ONLY.test(domain)) throw invalid(`${domain}/${path}`, 'invalid registry domain');
  const repository = `${domain}/${path}`;
  let familiarName = repository;
  if (domain === DEFAULT_DOMAIN) {
    const rest = path.startsWith('library/') ? path.slice('library/'.length) : path;
    familiarName = rest.includes('/') ? path : rest;
  }
  const suffix = digest === undefined ? `:${tag ?? 'latest'}` : `@${digest}`;
  const canonical = `${repository}${suffix}`;
  return Object.freeze({
    domain,
    path,
    ...(tag === undefined ? {} : { tag }),
    ...(digest === undefined ? {} : { digest }),
    repository,
    familiarName,
    familiarString: `${familiarName}${suffix}`,
    toString: () => canonical,
  });
}
