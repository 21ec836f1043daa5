#!/usr/bin/env node
// `pnpm mutate --filter <package>` at the root: finds the named workspace package and runs
// its mutation test (run.mjs) there; without --filter, every package that has a
// stryker.config.mjs, one at a time (each run wants both cores). Other arguments go to
// `stryker run`.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const packages = [];
for (const group of ['packages', 'tools']) {
  for (const entry of readdirSync(join(root, group))) {
    const dir = join(root, group, entry);
    if (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'stryker.config.mjs'))) continue;
    packages.push({ name: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name, dir });
  }
}

const args = process.argv.slice(2);
const filters = [];
const rest = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--filter' || args[i] === '-F') filters.push(args[++i]);
  else if (args[i].startsWith('--filter=')) filters.push(args[i].slice('--filter='.length));
  else rest.push(args[i]);
}
const chosen = filters.length === 0 ? packages : packages.filter((p) => filters.includes(p.name));
if (filters.length > 0 && chosen.length !== filters.length) {
  const known = new Set(packages.map((p) => p.name));
  const missing = filters.filter((f) => !known.has(f));
  console.error(`no mutation config for ${missing.join(', ')}; packages with one: ${[...known].join(', ')}`);
  process.exit(2);
}
let failed = 0;
for (const p of chosen) {
  console.log(`\n=== mutation testing ${p.name} (${p.dir})`);
  const run = spawnSync(process.execPath, [join(root, 'tools', 'mutation', 'run.mjs'), ...rest], { cwd: p.dir, stdio: 'inherit' });
  if (run.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
