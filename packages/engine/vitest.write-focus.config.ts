// The write path's focused tests: what `stryker.write.config.mjs` runs against each mutant
// of the batch format and normalisation, the WriteBatch API, the write path, the version
// chain and snapshots, so that a mutation run costs seconds per mutant instead of the
// whole engine suite. The slow model, crash, fuzz, ingest and background tests are left
// out. `pnpm test` runs these files as part of the full suite as usual.
import { focusConfig } from './vitest.focus.js';

export default focusConfig([
  'test/batch-seqno.test.ts',
  'test/api.test.ts',
  'test/point-reads.test.ts',
  'test/memtable-range-tombstones.test.ts',
  'test/regressions.test.ts',
  'test/range-merge.test.ts',
  'test/iterator-release.test.ts',
  'test/flush-on-close.test.ts',
  'test/strategies.test.ts',
  'test/write-*.test.ts',
  'test/batch-*.test.ts',
  'test/version-chain-*.test.ts',
  'test/snapshot-*.test.ts',
]);
