import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

// The package graph is the architecture (README.md, "Architecture"). Every arrow below has a
// reason; an import that is not listed fails lint.
const depConstraints = [
  // The addon is the bottom of the graph: it makes syscalls and knows nothing of images.
  { sourceTag: 'type:native', onlyDependOnLibsWithTags: [] },
  // The error base class is shared by every TypeScript library.
  { sourceTag: 'type:errors', onlyDependOnLibsWithTags: [] },
  // Registry and cgroups are pure protocol/filesystem code: usable with no native build.
  { sourceTag: 'type:registry', onlyDependOnLibsWithTags: ['type:errors'] },
  { sourceTag: 'type:cgroups', onlyDependOnLibsWithTags: ['type:errors'] },
  // Layers need mknod, xattrs and flock, which Node does not offer.
  { sourceTag: 'type:layers', onlyDependOnLibsWithTags: ['type:errors', 'type:native'] },
  // Overlay needs mount(2) and the whiteout xattrs for its copy fallback.
  { sourceTag: 'type:overlay', onlyDependOnLibsWithTags: ['type:errors', 'type:native'] },
  // The OCI runtime drives the spawn addon and cgroups from a bundle's config.json.
  {
    sourceTag: 'type:oci-runtime',
    onlyDependOnLibsWithTags: ['type:errors', 'type:native', 'type:cgroups'],
  },
  // The engine composes the libraries into the pull and run pipelines.
  {
    sourceTag: 'type:engine',
    onlyDependOnLibsWithTags: [
      'type:oci-runtime',
      'type:errors',
      'type:registry',
      'type:layers',
      'type:overlay',
      'type:cgroups',
      'type:native',
    ],
  },
  // The CLI only parses arguments and prints; all behaviour lives in the engine.
  { sourceTag: 'type:cli', onlyDependOnLibsWithTags: ['type:engine', 'type:errors'] },
  // e2e and benchmarks drive the built binaries, never the libraries' internals.
  { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: [] },
  { sourceTag: 'type:tool', onlyDependOnLibsWithTags: [] },
  { sourceTag: 'scope:lib', notDependOnLibsWithTags: ['scope:app'] },
];

export default [
  { ignores: ['**/dist/**', '**/node_modules/**', '**/build/**', '**/.nx/**', '**/coverage/**'] },
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  {
    files: ['**/*.ts', '**/*.js', '**/*.mjs'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        { enforceBuildableLibDependency: false, allow: [], depConstraints },
      ],
    },
  },
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
];
