// StrykerJS settings for @lsm/base (shared defaults: tools/mutation/stryker-base.mjs).
// Run with `pnpm mutate --filter @lsm/base` from the root; never in CI.
import { strykerConfig } from '../../tools/mutation/stryker-base.mjs';

export default strykerConfig({ mutate: ['src/**/*.ts', '!src/index.ts', '!src/**/*.cjs.ts', '!src/testing/**', '!src/xxhash-wasm-binary.ts'] });
