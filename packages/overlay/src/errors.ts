/** Stable error codes of @iza/overlay (listed in the package README). */
export const OverlayErrorCode = {
  /** mountRootfs was given options it cannot honour (relative layer path, unknown driver). */
  InvalidOptions: 'ERR_IZA_OVERLAY_INVALID_OPTIONS',
  /** The overlay mount data would not fit in one page, or the kernel's layer stack limit. */
  TooManyLayers: 'ERR_IZA_OVERLAY_TOO_MANY_LAYERS',
  /** mount(2) of the overlay or of the read-only bind failed. */
  MountFailed: 'ERR_IZA_OVERLAY_MOUNT_FAILED',
  /** The copy driver could not flatten a layer into the rootfs. */
  CopyFailed: 'ERR_IZA_OVERLAY_COPY_FAILED',
  /** Unmounting or removing a container directory failed. */
  ReleaseFailed: 'ERR_IZA_OVERLAY_RELEASE_FAILED',
} as const;
