#!/usr/bin/env node
// Lists the mutants of the last run of the package in the current directory that were not
// killed (survived or not covered), one line each: file:line, mutator, the original code
// and its replacement. `--markdown` prints them as table rows for MUTANTS.md. Reads
// .stryker-tmp/reports/mutation.json (written by run.mjs), or the report of the config
// given as an argument (a focused config with its own temp folder).
import { readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const configArg = process.argv.slice(2).find((a) => !a.startsWith('-'));
const config = configArg !== undefined && existsSync(configArg) ? (await import(pathToFileURL(resolve(configArg)).href)).default : {};
const reportFile = config.jsonReporter?.fileName ?? join(config.tempDirName ?? '.stryker-tmp', 'reports', 'mutation.json');
const report = JSON.parse(readFileSync(reportFile, 'utf8'));
const markdown = process.argv.includes('--markdown');
const rows = [];
for (const [file, x] of Object.entries(report.files)) {
  const lines = x.source.split('\n');
  for (const m of x.mutants) {
    if (m.status !== 'Survived' && m.status !== 'NoCoverage') continue;
    const { start, end } = m.location;
    const text = lines[start.line - 1] ?? '';
    const original = start.line === end.line ? text.slice(start.column - 1, end.column - 1) : `${text.slice(start.column - 1).trim()} ...`;
    rows.push({ file, line: start.line, status: m.status === 'Survived' ? 'survived' : 'not covered', mutator: m.mutatorName, original, replacement: m.replacement ?? '' });
  }
}
rows.sort((a, b) => (a.file === b.file ? a.line - b.line : a.file < b.file ? -1 : 1));
const clip = (s, n) => {
  const one = s.replace(/\s+/g, ' ');
  return one.length > n ? `${one.slice(0, n - 1)}…` : one;
};
for (const r of rows) {
  if (markdown) console.log(`| ${r.file}:${r.line} | ${r.mutator} | \`${clip(r.original, 50).replace(/\|/g, '\\|').replace(/`/g, "'")}\` → \`${clip(r.replacement, 30).replace(/\|/g, '\\|').replace(/`/g, "'")}\` | ${r.status} |`);
  else console.log(`${r.file}:${r.line}\t${r.status}\t${r.mutator}\t${clip(r.original, 60)} -> ${clip(r.replacement, 40)}`);
}
console.error(`${rows.length} mutants not killed`);
