// The tests `stryker.gc.config.mjs` runs against each mutant of the compaction run itself
// (the GC iterator, snapshot stripes, range-tombstone GC, merge operators, compaction
// filters, output splitting, key ranges, level iterators, table metadata): every test of
// the package but test/lsm-sim.test.ts, the strategy simulation (about 43 s, and each of
// its tests runs many compactions end to end), whose share of the kills is therefore not
// counted: a score under this config is a lower bound. `pnpm test` runs all of them.
import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 300_000,
    hookTimeout: 300_000,
    exclude: [...configDefaults.exclude, '.stryker-tmp*/**', 'test/lsm-sim.test.ts'],
  },
});
