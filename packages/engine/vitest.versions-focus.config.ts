// The versions' focused tests: what `stryker.versions.config.mjs` runs against each mutant
// of src/versions/ (manifest, version edits, version set, recovery, obsolete files): the
// unit tests of those files (test/versions-*.test.ts, the codec tests) and a few fast
// store-level files, about 2 s in all. Nearly every mutant there is covered by every test
// that opens a store, so each test file here costs its run time once per mutant; the
// model, crash, fault and fuzz tests are left out (they would make a run take hours).
// `pnpm test` runs these files as part of the full suite as usual.
import { focusConfig } from './vitest.focus.js';

export default focusConfig([
  'test/version-edit.test.ts',
  'test/blob-version-edit.test.ts',
  'test/manifest-tail.test.ts',
  'test/api.test.ts',
  'test/read-only.test.ts',
  'test/flush-on-close.test.ts',
  'test/verify.test.ts',
  'test/versions*.test.ts',
]);
