// StrykerJS settings for the scheduler of background work (src/jobs/background.ts: what
// starts when, reservations, installs, backpressure, failures and the background-error
// state), run against the jobs' focused tests (vitest.jobs-focus.config.ts, which holds
// test/jobs-scheduler.test.ts: a seeded scheduler with jobs in flight, about a second).
// Own sandbox folder: it can run beside the other engine configs.
// Run: `npx -y pnpm@10.34.8 mutate --filter @lsm/engine stryker.scheduler.config.mjs`.
import { strykerConfig } from '../../tools/mutation/stryker-base.mjs';

const base = strykerConfig({
  mutate: ['src/jobs/background.ts'],
  timeoutMS: 30_000,
  ignoreStatic: true,
  tempDirName: '.stryker-tmp-scheduler',
});
export default {
  ...base,
  vitest: { configFile: 'vitest.jobs-focus.config.ts' },
  incrementalFile: 'mutation/scheduler-incremental.json',
};
