/** How an Engine is set up; the CLI fills this from its flags and environment. */
export interface EngineOptions {
  /** Where images and container state live (docker's /var/lib/docker). */
  root: string;
  /** Container root filesystems: OverlayFS, or copies; unset = OverlayFS with a copy fallback. */
  storageDriver?: 'overlay' | 'copy' | undefined;
  /**
   * `docker.io=http://127.0.0.1:5000` entries (docker's registry-mirrors, per registry; a bare
   * URL mirrors docker.io). A pull tries a registry's mirrors in order, then the registry itself.
   */
  registryMirrors?: readonly string[];
  /** Registries spoken to over plain HTTP besides 127.0.0.0/8 and localhost. */
  insecureRegistries?: readonly string[];
  /** docker's config.json, for registry credentials. */
  dockerConfigPath: string;
  /** The environment of the user running iza (`-e KEY` copies from it; PATH for host mode). */
  hostEnv: Readonly<Record<string, string | undefined>>;
  /**
   * The config file the caller read these options from, for `iza info` only: the engine reads no
   * file of its own. `found: false` when nothing was at `path`.
   */
  configFile?: { path: string; found: boolean } | undefined;
  /** The version `iza info` reports. */
  version?: string;
  /**
   * How `run` pulls an image it does not have; default `Engine.pull` in this process. (The CLI
   * pulls in a child process when it was started without NODE_EXTRA_CA_CERTS for speed.)
   */
  pullForRun?: ((ref: string, platform: string | undefined) => Promise<void>) | undefined;
  /** Warnings for the user (`OverlayFS not available, using copy fallback`). */
  onWarning?: (message: string) => void;
}
