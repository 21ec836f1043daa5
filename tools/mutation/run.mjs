#!/usr/bin/env node
// Runs StrykerJS for the package in the current directory, never in place: the mutated
// copies live in Stryker's sandbox under the config's temp folder (.stryker-tmp/ unless
// the config names another), and TMPDIR points inside it, so a mutant that misbehaves
// with temporary files can only reach that throwaway folder. Two configs of one package
// with different temp folders can run at once without cleaning up each other's files.
// Afterwards prints the score, the counts and the run time as one line for the README.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const pkgDir = process.cwd();
// The config file is the first argument that is not an option (Stryker's own convention).
const configArg = process.argv.slice(2).find((a) => !a.startsWith('-')) ?? 'stryker.config.mjs';
const config = existsSync(resolve(pkgDir, configArg)) ? (await import(pathToFileURL(resolve(pkgDir, configArg)).href)).default : {};
const tempDirName = config.tempDirName ?? '.stryker-tmp';
const tmp = resolve(pkgDir, tempDirName, 'tmp');
mkdirSync(tmp, { recursive: true });
const require = createRequire(import.meta.url);
const strykerBin = join(require.resolve('@stryker-mutator/core/package.json'), '..', 'bin', 'stryker.js');
const started = Date.now();
const run = spawnSync(process.execPath, [strykerBin, 'run', ...process.argv.slice(2)], {
  cwd: pkgDir,
  stdio: 'inherit',
  env: { ...process.env, TMPDIR: tmp, TMP: tmp, TEMP: tmp },
});
const minutes = ((Date.now() - started) / 60_000).toFixed(1);
const reportFile = resolve(pkgDir, config.jsonReporter?.fileName ?? join(tempDirName, 'reports', 'mutation.json'));
if (run.status === 0 && existsSync(reportFile)) {
  const report = JSON.parse(readFileSync(reportFile, 'utf8'));
  const counts = {};
  for (const file of Object.values(report.files)) {
    for (const m of file.mutants) counts[m.status] = (counts[m.status] ?? 0) + 1;
  }
  const killed = (counts.Killed ?? 0) + (counts.Timeout ?? 0);
  const valid = killed + (counts.Survived ?? 0) + (counts.NoCoverage ?? 0);
  const score = valid === 0 ? 100 : (100 * killed) / valid;
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).name;
  console.log(
    `${pkg}: mutation score ${score.toFixed(1)}% (${valid} mutants: ${counts.Killed ?? 0} killed, ${counts.Timeout ?? 0} by timeout, ` +
      `${counts.Survived ?? 0} survived, ${counts.NoCoverage ?? 0} not covered; ${counts.CompileError ?? 0} compile errors, ` +
      `${counts.Ignored ?? 0} ignored), ${new Date().toISOString().slice(0, 10)}, ${minutes} min`,
  );
}
process.exit(run.status ?? 1);
