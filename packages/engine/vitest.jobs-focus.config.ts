// The jobs' focused tests: what `stryker.jobs.config.mjs` and `stryker.scheduler.config.mjs`
// run against each mutant of src/jobs/ (flush, compaction and ingest jobs, outputs, flush
// source, inline runner; the scheduler): fast store-level files that flush, compact and
// fail inline, the jobs' unit tests and a short seeded-scheduler model test, and the user
// functions loaded on workers (test/user-functions-worker.test.ts: its tests start worker
// threads from dist/, about 7 s), a few seconds each. The model, crash, fuzz and background (worker) tests are left
// out: each would cost from seconds to minutes per mutant. `pnpm test` runs all of them.
import { focusConfig } from './vitest.focus.js';

/** The files of this set (the scheduler's set adds to them). */
export const JOBS_FOCUS = [
  'test/memtable-image.test.ts',
  'test/flush-on-close.test.ts',
  'test/strategies.test.ts',
  'test/regressions.test.ts',
  'test/blob.test.ts',
  'test/jobs-*.test.ts',
  'test/user-functions-worker.test.ts',
];

export default focusConfig(JOBS_FOCUS);
