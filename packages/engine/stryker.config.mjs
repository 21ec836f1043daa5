// StrykerJS settings for @lsm/engine (shared defaults: tools/mutation/stryker-base.mjs).
// The default set is the code that decides durability and visibility (issue #22's 85%
// target): logs (plain and encrypted), manifest and version edits, recovery, the version
// chain, snapshots, batches, and the flush/compaction jobs with their scheduler. Pass
// `--mutate <glob>` to measure other files. Static mutants (code run at import) would each
// need the whole suite (minutes), so they are ignored here and counted as Ignored.
// Run with `pnpm mutate --filter @lsm/engine` from the root; never in CI.
import { strykerConfig } from '../../tools/mutation/stryker-base.mjs';

export default strykerConfig({
  mutate: [
    'src/log/*.ts',
    'src/versions/version-edit.ts',
    'src/versions/version-set.ts',
    'src/versions/version.ts',
    'src/versions/open-versions.ts',
    'src/read/version-chain.ts',
    'src/snapshot.ts',
    'src/write/*.ts',
    'src/jobs/*.ts',
    '!src/jobs/worker-script*.ts',
    '!src/jobs/job-worker.ts',
    '!src/jobs/worker-runner.ts',
    '!src/jobs/worker-pool.ts',
    '!src/jobs/load-user-functions.ts',
    '!src/jobs/import-module*.ts',
  ],
  timeoutMS: 30_000,
  ignoreStatic: true,
});
