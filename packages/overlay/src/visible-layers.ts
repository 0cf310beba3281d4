import { lgetxattr } from '@iza/ns-native';

const OPAQUE_XATTRS = ['trusted.overlay.opaque', 'user.overlay.opaque'];

/**
 * The layers (bottom → top) an image's root filesystem actually shows. A layer whose root
 * directory is opaque (`.wh..wh..opq` at the top of its tar) hides every layer below it
 * (image-spec layer.md), but overlayfs ignores the opaque xattr on a layer's root, and so
 * would a copy that starts from the bottom: those lower layers are left out instead.
 */
export function visibleLayers(layers: readonly string[]): string[] {
  for (let i = layers.length - 1; i > 0; i--) {
    const layer = layers[i] as string;
    if (OPAQUE_XATTRS.some((name) => isSet(layer, name))) return layers.slice(i);
  }
  return [...layers];
}

function isSet(dir: string, name: string): boolean {
  try {
    return lgetxattr(dir, name)?.toString() === 'y';
  } catch {
    // A missing or unreadable layer is reported by the mount or the copy, with its path.
    return false;
  }
}
