// One test suite, run several ways:
// - "main": every test, as users get the library (release kernel, the representation each range
//   would pick);
// - "sparse-store": the allocator tables again with the sparse representation forced on every
//   range, so both stores answer the same tables;
// - "debug-kernel" and "debug-kernel-sparse": the property tests with the debug kernel (assertions
//   on, checkInvariants exported), which the tests call after every step.
// Property tests draw from a fixed seed (test/setup/fast-check-seed.ts).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const debugKernel = {
  alias: [{ find: /^\.\/generated\/kernel-wasm\.js$/, replacement: fileURLToPath(new URL('./src/generated/kernel-debug-wasm.ts', import.meta.url)) }],
};
const propertyTests = ['test/**/*.property.test.ts'];
// Every project: fast-check's cases from one fixed seed (FC_SEED overrides it).
const SEED = 'test/setup/fast-check-seed.ts';
// The tables about one range's allocator; the Service-level suites sit on top of it.
const allocatorTables = [
  'test/kubernetes-behaviour.test.ts', 'test/strategies.test.ts', 'test/snapshot.test.ts', 'test/offsets.test.ts',
  'test/bad-input.test.ts', 'test/random-sources.test.ts', 'test/large-ranges.test.ts', 'test/replay.test.ts',
  'test/trace.test.ts', 'test/upstream/ipallocator.test.ts', 'test/upstream/portallocator.test.ts', 'test/hostile-callers.test.ts',
];

export default defineConfig({
  test: {
    // No test has a time budget: a timeout only ends a test that hangs, so a loaded machine makes
    // the suite slower, never red (vitest's default of 5 s failed heavy suites under load).
    testTimeout: 600_000,
    // Both cores: many suites wait on child processes (the CLI, etcd, browsers), and vitest's
    // default on a 2-core machine is one worker.
    maxWorkers: 2,
    hookTimeout: 600_000,
    projects: [
      { extends: true, test: { name: 'main', include: ['test/**/*.test.ts'], exclude: propertyTests, setupFiles: [SEED] } },
      { extends: true, test: { name: 'sparse-store', include: allocatorTables, setupFiles: [SEED, 'test/setup/force-sparse-store.ts'] } },
      { extends: true, resolve: debugKernel, test: { name: 'debug-kernel', include: propertyTests, setupFiles: [SEED] } },
      {
        extends: true, resolve: debugKernel,
        test: { name: 'debug-kernel-sparse', include: propertyTests, setupFiles: [SEED, 'test/setup/force-sparse-store.ts'] },
      },
    ],
  },
});
