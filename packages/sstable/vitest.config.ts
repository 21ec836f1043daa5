// The same test budget for `pnpm test` and for StrykerJS's vitest runner; Stryker's
// sandbox copies (.stryker-tmp*/, one folder per config) are never collected as tests of this package.
import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({ test: { testTimeout: 300_000, hookTimeout: 300_000, exclude: [...configDefaults.exclude, '.stryker-tmp*/**'] } });
