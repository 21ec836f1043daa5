// StrykerJS settings for @lsm/sstable (shared defaults: tools/mutation/stryker-base.mjs).
// Run with `pnpm mutate --filter @lsm/sstable` from the root; never in CI.
import { strykerConfig } from '../../tools/mutation/stryker-base.mjs';

export default strykerConfig();
