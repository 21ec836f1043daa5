// What every focused test set of a mutation config shares (vitest.*-focus.config.ts): the
// suite's generous timeouts, and never collecting the copies in Stryker's sandboxes
// (.stryker-tmp*/) as tests. Each focused config names only its files.
import { defineConfig } from 'vitest/config';

/**
 * A vitest config that runs exactly the test files `include` names (and of their tests,
 * with `testNamePattern`, only those whose names match).
 */
export function focusConfig(include: string[], testNamePattern?: RegExp): ReturnType<typeof defineConfig> {
  return defineConfig({ test: { testTimeout: 300_000, hookTimeout: 300_000, exclude: ['.stryker-tmp*/**'], include, ...(testNamePattern === undefined ? {} : { testNamePattern }) } });
}
