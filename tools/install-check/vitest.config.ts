// The install check's test files share one project, packed and installed once by
// test/global-setup.ts, and run one after another: one heavy process at a time, and no file
// sees another's change to that project half-done (the native zstd build comes and goes).

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    fileParallelism: false,
  },
});
