// StrykerJS settings for @lsm/filter-burr (shared defaults: tools/mutation/stryker-base.mjs).
// Run with `pnpm mutate --filter @lsm/filter-burr` from the root; never in CI.
import { strykerConfig } from '../../tools/mutation/stryker-base.mjs';

export default strykerConfig();
