// Runs a test file against the sparse representation even where the dense one would serve
// (vitest.config.ts, project "sparse-store"): one suite, both stores.
import { forceStoreKind } from '../../src/offset-store.js';

forceStoreKind('sparse');
