/** An OCI content descriptor (image-spec descriptor.md). */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
}

/** The fields of an image manifest the store uses (OCI or Docker schema 2). */
export interface ImageManifest {
  schemaVersion: number;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

/** The image config (image-spec config.md); runtime fields are kept as parsed JSON. */
export interface ImageConfig {
  created?: string;
  architecture?: string;
  os?: string;
  variant?: string;
  config?: Record<string, unknown>;
  rootfs: { type: string; diff_ids: string[] };
  history?: Record<string, unknown>[];
  [key: string]: unknown;
}

/** One stored image as listed. */
export interface ImageRecord {
  /**
   * The canonical reference given to putImage (`docker.io/library/alpine:latest`), or undefined
   * for a dangling image: one whose name was given to another manifest (docker's `<none>`).
   * A dangling image is reached by its ID only (findImage, getImage, removeImage).
   */
  name: string | undefined;
  manifestDigest: string;
  /**
   * Digest of the image index (manifest list) the manifest was chosen from, when putImage got
   * one: the digest the name resolved to on the registry, docker's RepoDigests entry for
   * multi-platform images. Undefined for single-manifest images (use manifestDigest).
   */
  indexDigest: string | undefined;
  /** The image ID, as docker shows it (the config digest). */
  configDigest: string;
  /** `created` from the config (RFC 3339), when the image has one. */
  created: string | undefined;
  /** When the store committed the image (RFC 3339). */
  pulled: string;
  /**
   * Sum of the unpacked layers' file sizes, the number `docker images` shows as SIZE (it reports
   * uncompressed content, not the registry's compressed bytes).
   */
  size: number;
  /** DiffIDs, bottom to top. */
  layers: string[];
}

/** An image with its parsed documents and the layer directories to mount. */
export interface StoredImage {
  record: ImageRecord;
  manifest: ImageManifest;
  config: ImageConfig;
  /** The layers' `diff` directories (OverlayFS format), bottom to top. */
  layerDirs: string[];
}

/** Arguments of ImageStore.putImage. */
export interface PutImageOptions {
  /**
   * Canonical reference. An image already stored under it under another manifest stays in the
   * store as a dangling image (`name: undefined`) unless another name still points to it.
   */
  name: string;
  manifestBytes: Uint8Array;
  manifestMediaType: string;
  configBytes: Uint8Array;
  /**
   * The image index the manifest was selected from; kept as a blob and exposed as
   * `ImageRecord.indexDigest`. Must list the manifest's digest (else ERR_IZA_LAYERS_BAD_IMAGE).
   */
  indexBytes?: Uint8Array;
}

/** What removeImage did, in docker's terms. */
export interface RemoveResult {
  /** Names removed from the image list (none when a dangling image is removed). */
  untagged: string[];
  /** The image ID (config digest) and the DiffIDs of layers whose directories were deleted. */
  deleted: string[];
}
