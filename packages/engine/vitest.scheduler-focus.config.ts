// The scheduler's focused tests: what `stryker.scheduler.config.mjs` runs against each
// mutant of src/jobs/background.ts. The jobs' focused set (vitest.jobs-focus.config.ts)
// plus test/background.test.ts, whose tests take the paths only a worker thread takes
// (slowdowns, removals and log syncs on the worker, results installed from the event
// loop) and the failure states, less its three slowest: the long write load (3.7 s),
// the many stores opened in one process (5.8 s) and the child process that forgets
// close(); they test the worker runner and thread lifetimes, not the scheduler's
// decisions. `pnpm test` runs all of them. test/strategies.test.ts (FIFO drops, size-tiered
// merges, filters and merges in compaction) and test/compression-per-level.test.ts (a
// trivial move between levels compressed differently is a rewrite) take the plan paths,
// about 3 s together; added 2026-12-04, after the last run. test/scheduler-decisions.test.ts
// checks each decision rather than outcomes (counters per job, each wait's bucket and
// length, failures in a row and their reset, a full disk's retry on a fake clock, ingest's
// reserved numbers), about 2 s; added 2026-12-04 evening. test/changes.test.ts without its
// model-based runs (the history horizon FIFO drops and dropped deletions raise, the edge
// keepHistorySeqnos keeps as a snapshot), under 1 s.
import { focusConfig } from './vitest.focus.js';
import { JOBS_FOCUS } from './vitest.jobs-focus.config.js';

export default focusConfig(
  [...JOBS_FOCUS, 'test/background.test.ts', 'test/strategies.test.ts', 'test/compression-per-level.test.ts', 'test/scheduler-decisions.test.ts', 'test/changes.test.ts'],
  /^(?!.*(writes go on while jobs run|opened many times in one process|forgets close\(\)|model-based randomized test)).*$/,
);
