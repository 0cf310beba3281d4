export { LayersErrorCode } from './errors.js';
export { createTarReader, readTarEntries } from './tar/tar-reader.js';
export type { TarEntry, TarReader, TarReaderOptions } from './tar/tar-reader.js';
export type { TarHeader, TarEntryType } from './tar/tar-header.js';
export { extractLayer } from './extract/extract-layer.js';
export type { ExtractOptions, ExtractResult } from './extract/extract-layer.js';
export type { ExtractWarning } from './extract/extract-context.js';
export { decompressStream } from './compress/decompress.js';
export type { DecompressOptions } from './compress/decompress.js';
export { LAYER_MEDIA_TYPES, layerCompression, sniffCompression } from './compress/media-types.js';
export type { Compression } from './compress/media-types.js';
export { openImageStore } from './store/image-store.js';
export type { ImageStore, ImageStoreOptions } from './store/image-store.js';
export type {
  EnsureLayerOptions,
  LayerDescriptor,
  LayerProgress,
  LayerRecord,
} from './store/ensure-layer.js';
export type {
  Descriptor,
  ImageConfig,
  ImageManifest,
  ImageRecord,
  PutImageOptions,
  RemoveResult,
  StoredImage,
} from './store/image-types.js';
export type { PruneOptions, PruneResult } from './store/gc.js';
export type { ExportOptions, ImportOptions } from './store/archive.js';
export { familiarRepoTag } from './store/repo-tag.js';
export { sha256Digest } from './store/digest.js';
