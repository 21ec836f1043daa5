// StrykerJS settings for the engine's versions (src/versions/: the manifest, version
// edits, the version set, recovery of the manifest, and the deletion of obsolete files),
// run against their focused tests (vitest.versions-focus.config.ts) instead of the whole
// engine suite. It has its own sandbox folder, so it can run beside the log's config.
// Run: `npx -y pnpm@10.34.8 mutate --filter @lsm/engine stryker.versions.config.mjs`.
import { strykerConfig } from '../../tools/mutation/stryker-base.mjs';

const base = strykerConfig({
  mutate: [
    'src/versions/version-edit.ts',
    'src/versions/version-set.ts',
    'src/versions/version.ts',
    'src/versions/open-versions.ts',
    'src/versions/manifest-reader.ts',
    'src/versions/obsolete-files.ts',
  ],
  timeoutMS: 30_000,
  ignoreStatic: true,
  tempDirName: '.stryker-tmp-versions',
});
export default {
  ...base,
  vitest: { configFile: 'vitest.versions-focus.config.ts' },
  incrementalFile: 'mutation/versions-incremental.json',
};
