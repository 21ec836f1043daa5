// StrykerJS settings for the engine's write-ahead log alone (src/log/), run against the
// log's focused tests (vitest.log-focus.config.ts, about 20 s) instead of the whole engine
// suite. Run: `npx -y pnpm@10.34.8 mutate --filter @lsm/engine stryker.log.config.mjs`.
import { strykerConfig } from '../../tools/mutation/stryker-base.mjs';

const base = strykerConfig({ mutate: ['src/log/*.ts'], timeoutMS: 30_000, ignoreStatic: true });
export default {
  ...base,
  vitest: { configFile: 'vitest.log-focus.config.ts' },
  incrementalFile: 'mutation/log-incremental.json',
};
