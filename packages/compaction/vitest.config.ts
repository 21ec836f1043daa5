// The same test budget for `pnpm test` and for StrykerJS's vitest runner.
import { defineConfig } from 'vitest/config';

export default defineConfig({ test: { testTimeout: 300_000, hookTimeout: 300_000 } });
