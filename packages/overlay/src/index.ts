export { mountRootfs, COPY_FALLBACK_WARNING } from './mount-rootfs.js';
export type { MountRootfsOptions, Rootfs, RootfsDriver } from './mount-rootfs.js';
export { overlaySupported } from './overlay-probe.js';
export type { OverlaySupport } from './overlay-probe.js';
export { cleanupRootfs } from './cleanup.js';
export { copyLayers } from './copy-driver.js';
export { OverlayErrorCode } from './errors.js';
