import preset from '../jest.preset.js';

// The cgroup v2 suite (`pnpm e2e-cgroup-v2`): one tools/v2vm boot runs all of its cases, so it
// needs none of the registries and images the main suite's global setup builds.
export default {
  ...preset,
  rootDir: import.meta.dirname,
  testMatch: ['<rootDir>/src/cgroup-v2.e2e.test.ts'],
  maxWorkers: 1,
  testTimeout: 60_000,
  slowTestThreshold: 600,
};
