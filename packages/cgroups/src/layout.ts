/** Where one controller lives on this host. */
export interface ControllerPlacement {
  version: 1 | 2;
  /** Directory of the hierarchy's mount (prefixed with `fsRoot` when one was given). */
  mountPoint: string;
  /** The cgroup iza runs in, as a path under the mount (`/` inside a cgroup namespace). */
  currentPath: string;
  /**
   * iza may create child cgroups using it: the hierarchy is writable and, on v2, the controller
   * is listed in the current cgroup's `cgroup.controllers` (the parent delegated it).
   */
  delegatable: boolean;
}

/** The cgroup2 hierarchy, when one is mounted. */
export interface UnifiedMount {
  mountPoint: string;
  currentPath: string;
  /** Controllers available to iza's cgroup (its `cgroup.controllers`). */
  controllers: string[];
  /** The current cgroup directory is writable. */
  writable: boolean;
}

/** The result of {@link detectCgroupLayout}. */
export interface CgroupLayout {
  /** `hybrid`: v1 controllers plus a cgroup2 mount (with some controllers or none). */
  mode: 'v1' | 'v2' | 'hybrid';
  /** Per controller name (`memory`, `cpu`, `cpuacct`, `pids`...). */
  controllers: Partial<Record<string, ControllerPlacement>>;
  unified?: UnifiedMount;
}
