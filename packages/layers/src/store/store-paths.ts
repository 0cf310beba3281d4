import { join } from 'node:path';

/**
 * Where everything lives under a store root (the README's "Store layout" is the contract):
 * `oci/` an OCI image layout, `layers/<diffid-hex>/` unpacked layers, `tmp/` staging, `locks/`
 * flock files.
 */
export class StorePaths {
  readonly oci: string;
  readonly blobs: string;
  readonly index: string;
  readonly layers: string;
  readonly tmp: string;
  readonly locks: string;

  constructor(readonly root: string) {
    this.oci = join(root, 'oci');
    this.blobs = join(this.oci, 'blobs', 'sha256');
    this.index = join(this.oci, 'index.json');
    this.layers = join(root, 'layers');
    this.tmp = join(root, 'tmp');
    this.locks = join(root, 'locks');
  }

  blob(hex: string): string {
    return join(this.blobs, hex);
  }

  layer(hex: string): string {
    return join(this.layers, hex);
  }

  layerDiff(hex: string): string {
    return join(this.layers, hex, 'diff');
  }

  layerMeta(hex: string): string {
    return join(this.layers, hex, 'meta.json');
  }

  /** A partial blob download, kept across crashes so it can be resumed with a Range request. */
  partialBlob(hex: string): string {
    return join(this.tmp, `blob~${hex}.partial`);
  }
}
