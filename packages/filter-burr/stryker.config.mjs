// StrykerJS settings for @lsm/filter-burr (shared defaults: tools/mutation/stryker-base.mjs).
// More than half of this package's mutants are static (tables and constants computed when
// a module loads), and each of those needs the whole suite: they are ignored here (counted
// as Ignored in the report) so that a run fits in minutes; run with `--ignoreStatic false`
// to include them.
// Run with `pnpm mutate --filter @lsm/filter-burr` from the root; never in CI.
import { strykerConfig } from '../../tools/mutation/stryker-base.mjs';

export default strykerConfig({ ignoreStatic: true });
