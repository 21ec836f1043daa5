// @lsm/base/testing: what the @lsm packages' tests share, kept out of the main entry
// because it needs vitest. A seeded PRNG whose seed is printed on failure (LSM_TEST_SEED
// replays it), key/value makers, expectLsmError for the error contract, and a model of the
// iterator contract that any InternalIterator can be driven against (as @lsm/fs/conformance
// is for Fs). Promises: deterministic for a given seed; nothing here touches storage.

export { testSeed, Rng, withSeed, b, s, numKey, entry, put, expectLsmError, hex } from './helpers.js';
export { randomEntries, modelIterator, compareIterators } from './iterator-model.js';
