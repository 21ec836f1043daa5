// StrykerJS settings for the compaction run itself (the files that decide what a
// compaction keeps, drops and where it cuts its outputs), against the package's tests
// without the strategy simulation (vitest.gc-focus.config.ts): a full run of the package
// with the simulation covering every mutant of these files tested about 7 mutants a minute
// here (2026-12-04). The strategies (leveled, size-tiered, fifo, level-sizing, strategy)
// are left to stryker.config.mjs. Own sandbox folder and incremental file.
// Run: `npx -y pnpm@10.34.8 mutate --filter @lsm/compaction stryker.gc.config.mjs`.
import { strykerConfig } from '../../tools/mutation/stryker-base.mjs';

const base = strykerConfig({
  mutate: [
    'src/gc-iterator.ts',
    'src/snapshot-stripes.ts',
    'src/range-tombstone-gc.ts',
    'src/merge-operator.ts',
    'src/compaction-filter.ts',
    'src/run-compaction.ts',
    'src/output-splitter.ts',
    'src/key-range.ts',
    'src/level-iterator.ts',
    'src/table-meta.ts',
    'src/failure.ts',
  ],
  tempDirName: '.stryker-tmp-gc',
});
export default {
  ...base,
  vitest: { configFile: 'vitest.gc-focus.config.ts' },
  incrementalFile: 'mutation/gc-incremental.json',
};
