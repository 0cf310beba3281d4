/**
 * The registry a mirror entry serves: `REGISTRY=URL` names it, a bare URL mirrors docker.io
 * (docker's registry-mirrors only mirror Docker Hub). Lowercase, index.docker.io as docker.io.
 */
export function mirrorRegistryOf(entry: string): string {
  const eq = entry.indexOf('=');
  const registry = eq < 0 ? 'docker.io' : entry.slice(0, eq).trim().toLowerCase();
  return registry === 'index.docker.io' ? 'docker.io' : registry;
}

/**
 * The mirror entries in effect, from sources listed highest precedence first (flag, env, file).
 * Per registry, the first source that names it wins whole: its mirrors replace, never join,
 * those of lower sources, so a flag can take a mirror out of use. Registries named by lower
 * sources only keep their mirrors.
 */
export function mirrorsByPrecedence(sources: ReadonlyArray<readonly string[]>): string[] {
  const claimed = new Set<string>();
  const out: string[] = [];
  for (const source of sources) {
    const named = new Set(source.map(mirrorRegistryOf));
    out.push(...source.filter((entry) => !claimed.has(mirrorRegistryOf(entry))));
    for (const registry of named) claimed.add(registry);
  }
  return out;
}
