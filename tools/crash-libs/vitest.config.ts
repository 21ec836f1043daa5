// The crash-libs tests load each library as published. CommonJS libraries get the facade
// through hookRequire; ES-module libraries through vi.mock, which only reaches the modules
// vitest processes, hence `inline` for them. @lsm/* stay external so that their own
// node:fs imports are the real ones (they never touch the disk here: everything runs on MemFs).

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    server: {
      deps: {
        inline: ['steno', 'lowdb'],
        external: [/\/packages\/(crashfs|fs)\/dist\//],
      },
    },
  },
});
