// The StrykerJS settings every package shares. A package's stryker.config.mjs calls
// strykerConfig() with what differs (which files to mutate, a slower test budget).
// Promises: runs never happen in place (Stryker's sandbox under .stryker-tmp/), the
// incremental file is the package's committed mutation/incremental.json, and reports land
// in the ignored .stryker-tmp/reports/.

/**
 * @param {{ mutate?: string[], timeoutMS?: number, concurrency?: number, ignoreStatic?: boolean, tempDirName?: string }} [overrides]
 *   tempDirName: another sandbox folder (its reports go inside it), for a focused config
 *   that may run beside the package's other configs.
 */
export function strykerConfig(overrides = {}) {
  const tempDirName = overrides.tempDirName ?? '.stryker-tmp';
  return {
    packageManager: 'pnpm',
    testRunner: 'vitest',
    plugins: ['@stryker-mutator/vitest-runner'],
    vitest: { configFile: 'vitest.config.ts' },
    coverageAnalysis: 'perTest',
    mutate: overrides.mutate ?? ['src/**/*.ts', '!src/index.ts', '!src/**/*.cjs.ts'],
    incremental: true,
    incrementalFile: 'mutation/incremental.json',
    inPlace: false,
    tempDirName,
    // Other configs' sandboxes (a focused run beside another): never copied into this one.
    ignorePatterns: ['/.stryker-tmp*'],
    cleanTempDir: true,
    reporters: ['clear-text', 'progress', 'json', 'html'],
    jsonReporter: { fileName: `${tempDirName}/reports/mutation.json` },
    htmlReporter: { fileName: `${tempDirName}/reports/mutation.html` },
    clearTextReporter: { allowColor: false, logTests: false, maxTestsToLog: 0, reportScoreTable: true, reportMutants: false },
    concurrency: overrides.concurrency ?? 2,
    timeoutMS: overrides.timeoutMS ?? 10_000,
    timeoutFactor: 2,
    ignoreStatic: overrides.ignoreStatic ?? false,
    thresholds: { high: 90, low: 85, break: null },
  };
}
