export { startTestRegistry } from './test-registry.js';
export type {
  TestRegistry,
  TestRegistryOptions,
  TestFault,
  RecordedRequest,
} from './test-registry.js';
export { TestAuthority } from './test-registry-auth.js';
export type { TestAuth } from './test-registry-auth.js';
export { buildTestImage, buildTestIndex, buildAttestation, blobOf, sha256 } from './test-images.js';
export type { TestImage, TestBlob, TestImageOptions, TestIndexEntry } from './test-images.js';
