// StrykerJS settings for the engine's jobs (src/jobs/: the flush, compaction and ingest
// jobs, their shared output handling, the flush source and the memtable image a worker
// flushes from, the inline runner, the job specs, the built-in functions and the tags of
// user functions), run against the focused tests in
// vitest.jobs-focus.config.ts. Left out: the files that only run inside the worker thread
// (job-worker.ts, worker-script*.ts, load-user-functions.ts, import-module*.ts), the worker runner and the
// process's worker pool (worker-pool.ts), as in stryker.config.mjs (a
// mutant there needs the worker tests, which load the built code), and the scheduler,
// background.ts, which has its own config (stryker.scheduler.config.mjs). Own sandbox
// folder: it can run beside the other engine configs.
// Run: `npx -y pnpm@10.34.8 mutate --filter @lsm/engine stryker.jobs.config.mjs`.
import { strykerConfig } from '../../tools/mutation/stryker-base.mjs';

const base = strykerConfig({
  mutate: ['src/jobs/*.ts', 'src/memtable/memtable-image.ts', '!src/jobs/background.ts', '!src/jobs/worker-script*.ts', '!src/jobs/job-worker.ts', '!src/jobs/worker-runner.ts', '!src/jobs/worker-pool.ts', '!src/jobs/load-user-functions.ts', '!src/jobs/import-module*.ts'],
  timeoutMS: 30_000,
  ignoreStatic: true,
  tempDirName: '.stryker-tmp-jobs',
});
export default {
  ...base,
  vitest: { configFile: 'vitest.jobs-focus.config.ts' },
  incrementalFile: 'mutation/jobs-incremental.json',
};
