// The log's focused tests: what `stryker.log.config.mjs` runs against each mutant of
// src/log/ (the write-ahead log's format, writer, reader, encryption and replay), so that
// a mutation run of the log takes minutes instead of needing the whole engine suite for
// every mutant. `pnpm test` runs these files as part of the full suite as usual. The log's
// two fuzz files (test/fuzz-log*.test.ts) are left out: each runs thousands of inputs
// for every mutant it covers, which made one run of this configuration take over an hour;
// the deterministic files below pin the framing, the modes and the encryption exactly.
import { focusConfig } from './vitest.focus.js';

export default focusConfig([
  'test/log.test.ts',
  'test/replay-log.test.ts',
  'test/log-reader-modes.test.ts',
  'test/log-reader-framing.test.ts',
  'test/log-encryption.test.ts',
  'test/log-boundaries.test.ts',
  'test/golden-log.test.ts',
]);
