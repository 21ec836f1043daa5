// StrykerJS settings for the engine's write path and what decides visibility: the batch
// format and its normalisation (src/write/batch-codec.ts, batch-normalize.ts), the
// WriteBatch API (write-batch.ts), the write path that assigns seqnos and publishes them
// (write-path.ts), the per-key version chain a read resolves (src/read/version-chain.ts)
// and snapshots (src/snapshot.ts). Runs against their focused tests
// (vitest.write-focus.config.ts) instead of the whole engine suite, in its own sandbox
// folder so it can run beside the package's other configs.
// Run: `npx -y pnpm@10.34.8 mutate --filter @lsm/engine stryker.write.config.mjs`.
import { strykerConfig } from '../../tools/mutation/stryker-base.mjs';

const base = strykerConfig({
  mutate: [
    'src/write/batch-codec.ts',
    'src/write/batch-normalize.ts',
    'src/write/write-batch.ts',
    'src/write/write-path.ts',
    'src/read/version-chain.ts',
    'src/snapshot.ts',
  ],
  timeoutMS: 30_000,
  ignoreStatic: true,
  tempDirName: '.stryker-tmp-write',
});
export default {
  ...base,
  vitest: { configFile: 'vitest.write-focus.config.ts' },
  incrementalFile: 'mutation/write-incremental.json',
};
