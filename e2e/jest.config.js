import preset from '../jest.preset.js';

// The suites share root-owned resources (the registry, cgroups, mounts): one worker, in order.
export default {
  ...preset,
  rootDir: import.meta.dirname,
  testMatch: ['<rootDir>/src/**/*.e2e.test.ts'],
  // The cgroup v2 suite boots its own VM and has its own config and target (e2e-cgroup-v2).
  testPathIgnorePatterns: [...preset.testPathIgnorePatterns, 'cgroup-v2'],
  globalSetup: '<rootDir>/jest.global-setup.js',
  globalTeardown: '<rootDir>/jest.global-teardown.js',
  maxWorkers: 1,
  testTimeout: 180_000,
  slowTestThreshold: 30,
};
