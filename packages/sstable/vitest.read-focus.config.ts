// The tests `stryker.read.config.mjs` runs against each mutant of the read path's decoders
// (data blocks and their iterator, index blocks, block handles, the footer, stored-block
// decoding): the package's unit tests of blocks, tables, the format and its failures, about
// 4 s in all. Left out: the fuzz files (thousands of inputs each) and the slow end-to-end
// files (corruption, salvage, blobs, dictionaries, large tables, backends; about 45 s),
// which cover nearly every mutant of these files, so that each surviving mutant re-ran
// about a minute of tests: a first run estimated 8 hours (2026-12-04). Their share of the
// kills is not counted: a score under this config is a lower bound. `pnpm test` runs all.
import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 300_000,
    hookTimeout: 300_000,
    include: [
      'test/block.test.ts',
      'test/index-block.test.ts',
      'test/footer.test.ts',
      'test/table.test.ts',
      'test/table-iterator.test.ts',
      'test/golden-plaintext.test.ts',
      'test/format-stability.test.ts',
      'test/properties.test.ts',
      'test/verify.test.ts',
      'test/block-cache.test.ts',
      'test/fault.test.ts',
      'test/encryption.test.ts',
      'test/compression.test.ts',
      'test/stored-block-errors.test.ts',
      'test/data-block-damage.test.ts',
      'test/block-damage.test.ts',
    ],
    exclude: [...configDefaults.exclude, '.stryker-tmp*/**'],
  },
});
