// StrykerJS settings for the scheduler of background work (src/jobs/background.ts: what
// starts when, reservations, installs, backpressure, failures and the background-error
// state), run against its focused tests (vitest.scheduler-focus.config.ts: the jobs' set
// with test/jobs-scheduler.test.ts, a seeded scheduler with jobs in flight, plus most of
// test/background.test.ts, which starts worker threads from the built dist/: build the
// engine first). A 10 s timeout: mutants that make a wait never end are common here.
// Own sandbox folder: it can run beside the other engine configs.
// Run: `npx -y pnpm@10.34.8 mutate --filter @lsm/engine stryker.scheduler.config.mjs`.
import { strykerConfig } from '../../tools/mutation/stryker-base.mjs';

const base = strykerConfig({
  mutate: ['src/jobs/background.ts'],
  timeoutMS: 10_000,
  ignoreStatic: true,
  tempDirName: '.stryker-tmp-scheduler',
});
export default {
  ...base,
  vitest: { configFile: 'vitest.scheduler-focus.config.ts' },
  incrementalFile: 'mutation/scheduler-incremental.json',
};
