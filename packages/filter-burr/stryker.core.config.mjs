// StrykerJS settings for the filter's build and probe code (everything but the format
// parser, which stryker.config.mjs measures with --mutate src/format.ts, and the index),
// against vitest.core-focus.config.ts (small inputs, a few seconds): a lower bound. Static
// mutants (tables and constants computed at load) are ignored, as in the package config.
// Own sandbox folder and incremental file, so it can run beside the package config.
// Run: `node ../../tools/mutation/run.mjs stryker.core.config.mjs --concurrency 1` here.
import { strykerConfig } from '../../tools/mutation/stryker-base.mjs';

const base = strykerConfig({
  mutate: [
    'src/build.ts',
    'src/builder.ts',
    'src/bumping.ts',
    'src/burr-filter.ts',
    'src/errors.ts',
    'src/filter-reader.ts',
    'src/hash.ts',
    'src/input.ts',
    'src/mixing.ts',
    'src/options.ts',
    'src/ribbon-solver.ts',
  ],
  ignoreStatic: true,
  // The focused tests take seconds: a mutant that makes a loop spin is cut off after 5 s
  // (plus twice the tests' time) instead of the shared 10 s.
  timeoutMS: 5_000,
  tempDirName: '.stryker-tmp-core',
});
export default {
  ...base,
  vitest: { configFile: 'vitest.core-focus.config.ts' },
  incrementalFile: 'mutation/core-incremental.json',
};
