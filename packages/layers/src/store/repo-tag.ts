/**
 * The familiar `repository:tag` docker writes into `manifest.json` RepoTags and shows in
 * `docker images`, for a canonical name: `docker.io/library/alpine:latest` → `alpine:latest`,
 * `docker.io/user/app:1` → `user/app:1`; other registries keep their host. A digest is dropped
 * (`a:1@sha256:…` → `a:1`); a name without a tag has no repo tag (undefined).
 */
export function familiarRepoTag(name: string): string | undefined {
  const withoutDigest = name.split('@', 1)[0] ?? '';
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  if (colon <= slash) return undefined;

  for (const prefix of ['docker.io/library/', 'docker.io/']) {
    const rest = withoutDigest.slice(prefix.length);
    // `docker.io/library/a/b` is not the official-image shorthand; only one component after it.
    if (withoutDigest.startsWith(prefix) && (prefix === 'docker.io/' || !rest.includes('/'))) {
      return rest;
    }
  }
  return withoutDigest;
}
