import preset from '../jest.preset.js';

// Unit tests of the harness itself: no root, no registry, no iza binary.
export default {
  ...preset,
  rootDir: import.meta.dirname,
  testMatch: ['<rootDir>/src/**/*.test.ts'],
  testPathIgnorePatterns: [...preset.testPathIgnorePatterns, '\\.e2e\\.test\\.ts$'],
};
