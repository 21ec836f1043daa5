#!/usr/bin/env node
// Runs StrykerJS for the package in the current directory, never in place: the mutated
// copies live in Stryker's sandbox under .stryker-tmp/, and TMPDIR points inside it, so a
// mutant that misbehaves with temporary files can only reach that throwaway folder.
// Afterwards prints the score, the counts and the run time as one line for the README.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';

const pkgDir = process.cwd();
const tmp = resolve(pkgDir, '.stryker-tmp', 'tmp');
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
const reportFile = join(pkgDir, '.stryker-tmp', 'reports', 'mutation.json');
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
