// StrykerJS settings for the read path's decoders of @lsm/sstable (what turns a table's
// bytes into entries: data blocks and their iterator, index blocks, block handles, the
// footer, stored-block decoding with its checksum), against the package's unit tests of
// blocks, tables and the format (vitest.read-focus.config.ts, about 4 s): a lower bound. Own sandbox folder and
// incremental file, so it can run beside stryker.config.mjs.
// Run: `node ../../tools/mutation/run.mjs stryker.read.config.mjs --concurrency 1` here.
import { strykerConfig } from '../../tools/mutation/stryker-base.mjs';

const base = strykerConfig({
  mutate: ['src/data-block-iterator.ts', 'src/block-reader.ts', 'src/index-block.ts', 'src/block-handle.ts', 'src/footer.ts', 'src/block-io.ts'],
  tempDirName: '.stryker-tmp-read',
});
export default {
  ...base,
  vitest: { configFile: 'vitest.read-focus.config.ts' },
  incrementalFile: 'mutation/read-incremental.json',
};
