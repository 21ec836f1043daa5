// StrykerJS settings for @lsm/crashfs (shared defaults: tools/mutation/stryker-base.mjs).
// Run with `pnpm mutate --filter @lsm/crashfs` from the root; never in CI.
import { strykerConfig } from '../../tools/mutation/stryker-base.mjs';

export default strykerConfig();
