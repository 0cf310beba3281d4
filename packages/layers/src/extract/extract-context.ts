import type { WriteBudget } from '../io/write-budget.js';
import type { TarHeader } from '../tar/tar-header.js';
import type { PendingFiles } from './pending-files.js';
import type { RootResolver } from './root-resolver.js';

/** A non-fatal event during extraction; the layer is still applied. */
export interface ExtractWarning {
  /** Stable: `DEVICE_SKIPPED`, `XATTR_DROPPED`, `XATTR_FAILED`. */
  code: 'DEVICE_SKIPPED' | 'XATTR_DROPPED' | 'XATTR_FAILED';
  message: string;
  entry: string;
}

/** The options after defaults are applied. */
export interface ResolvedOptions {
  format: 'overlay' | 'plain';
  canMknod: boolean;
  preserveOwners: boolean;
  opaqueXattr: string;
  onWarning: (w: ExtractWarning) => void;
}

/** State shared by the entry writers while one layer is applied. */
export interface ExtractContext {
  opts: ResolvedOptions;
  resolver: RootResolver;
  /** Resolved paths written by this layer; true for directories. Whiteouts consult it. */
  written: Map<string, boolean>;
  /**
   * Paths this layer whited out (`.wh.x`): a directory it writes there replaces the lower one,
   * so in overlay format it is made opaque. Created on first use.
   */
  whitedOut?: Set<string>;
  /** Directory attributes applied last, so writing children does not disturb mtimes. */
  dirAttrs: Map<string, TarHeader>;
  /** Regular files still being written on the thread pool (see pending-files.ts). */
  files: PendingFiles;
  /** Bounds the content those files hold in memory. */
  budget: WriteBudget;
  /** Bytes of regular-file content written. */
  bytes: number;
  entries: number;
}
