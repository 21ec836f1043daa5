#!/usr/bin/env node
// lsm-stress's self-check: does the campaign catch bugs? For each known bug in bugs/
// (a patch against the checkout), it copies the checkout into a fresh temporary folder,
// applies the patch there, rebuilds the patched package and every package between it and
// lsm-stress, runs a campaign of --duration seconds, and expects the campaign to FAIL.
// A campaign that passes with a bug in place is reported as MISSED and the script exits 1.
// The checkout itself is never changed; the copy is deleted afterwards (--keep keeps it).
//
// usage: node tools/stress/self-check/self-check.mjs [--bug NAME[,NAME]] [--duration 120]
//        [--seed N] [--control] [--keep]
//   --control  also run the same campaign on the unpatched copy, which must pass.

import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const bugsDir = join(here, 'bugs');

function parseArgs(argv) {
  const out = { bugs: undefined, duration: 120, seed: 1, control: false, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) usage(`${a} needs a value`);
      return v;
    };
    if (a === '--bug') out.bugs = value().split(',');
    else if (a === '--duration') out.duration = Number(value());
    else if (a === '--seed') out.seed = Number(value());
    else if (a === '--control') out.control = true;
    else if (a === '--keep') out.keep = true;
    else if (a === '--help') usage(undefined, 0);
    else usage(`unknown argument ${a}`);
  }
  if (!(out.duration > 0) || !Number.isSafeInteger(out.seed)) usage('--duration must be positive and --seed an integer');
  return out;
}

function usage(problem, code = 64) {
  if (problem !== undefined) console.error(`self-check: ${problem}`);
  console.error('usage: self-check.mjs [--bug NAME[,NAME]] [--duration SECONDS] [--seed N] [--control] [--keep]');
  console.error(`bugs: ${knownBugs().join(', ')}`);
  process.exit(code);
}

function knownBugs() {
  return readdirSync(bugsDir)
    .filter((f) => f.endsWith('.patch'))
    .map((f) => basename(f, '.patch'))
    .sort();
}

/** Workspace packages by name: their folder and workspace dependencies. */
function workspace() {
  const pkgs = new Map();
  for (const group of ['packages', 'tools']) {
    for (const entry of readdirSync(join(root, group))) {
      const file = join(root, group, entry, 'package.json');
      if (!existsSync(file)) continue;
      const p = JSON.parse(readFileSync(file, 'utf8'));
      const deps = Object.entries({ ...p.dependencies, ...p.devDependencies })
        .filter(([, v]) => String(v).startsWith('workspace:'))
        .map(([k]) => k);
      pkgs.set(p.name, { dir: join(group, entry), deps });
    }
  }
  return pkgs;
}

/** The packages to rebuild after `changedDirs` changed, in dependency order, up to @lsm/stress. */
function rebuildOrder(pkgs, changedDirs) {
  const dependsOnChanged = new Map();
  const visit = (name) => {
    if (dependsOnChanged.has(name)) return dependsOnChanged.get(name);
    const p = pkgs.get(name);
    dependsOnChanged.set(name, false);
    const result = changedDirs.includes(p.dir) || p.deps.some((d) => pkgs.has(d) && visit(d));
    dependsOnChanged.set(name, result);
    return result;
  };
  const order = [];
  const seen = new Set();
  const walk = (name) => {
    if (seen.has(name) || !pkgs.has(name)) return;
    seen.add(name);
    for (const d of pkgs.get(name).deps) walk(d);
    if (visit(name)) order.push(name);
  };
  walk('@lsm/stress');
  return order;
}

function run(cmd, args, cwd) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** Copies the checkout (with its node_modules and built dist/, without .git and caches). */
function copyCheckout(into) {
  const skip = new Set(['.git', '.turbo', '.turbo-cache', '.stryker-tmp', 'bench-data', 'coverage']);
  cpSync(root, into, {
    recursive: true,
    verbatimSymlinks: true,
    filter: (src) => !skip.has(basename(src)),
  });
}

/** Runs the campaign in `copy`; resolves with the exit code, the seconds until the first failure line, and the output. */
function campaign(copy, opts) {
  return new Promise((resolve) => {
    const started = Date.now();
    let firstFailure;
    let output = '';
    const tmp = join(copy, '.tmp');
    mkdirSync(tmp, { recursive: true });
    const child = spawn(process.execPath, [join(copy, 'tools/stress/dist/cli.js'), '--seed', String(opts.seed), '--duration', `${opts.duration}s`], {
      cwd: copy,
      env: { ...process.env, TMPDIR: tmp },
    });
    const onData = (chunk) => {
      const text = chunk.toString();
      output += text;
      if (firstFailure === undefined && text.includes('FAILURE at op')) firstFailure = (Date.now() - started) / 1000;
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    // Shrinking a failure re-runs prefixes: give it time, but never hang.
    const limit = setTimeout(() => child.kill('SIGKILL'), (opts.duration + 900) * 1000);
    child.on('exit', (code, signal) => {
      clearTimeout(limit);
      resolve({ code: code ?? (signal ? 128 : 1), firstFailure, output, seconds: (Date.now() - started) / 1000 });
    });
  });
}

function summary(output) {
  const lines = output.trim().split('\n');
  const failure = lines.find((l) => l.startsWith('FAILURE at op'));
  const replay = lines.find((l) => l.trim().startsWith('replay:'));
  return [failure, replay?.trim(), lines[lines.length - 1]].filter(Boolean).join('\n    ');
}

async function checkOne(name, opts, pkgs) {
  const copy = mkdtempSync(join(tmpdir(), `lsm-self-check-${name}-`));
  try {
    process.stdout.write(`\n[${name}] copying the checkout to ${copy}\n`);
    copyCheckout(copy);
    let changed = [];
    if (name !== 'control') {
      const patch = join(bugsDir, `${name}.patch`);
      run('git', ['apply', '-p1', patch], copy);
      changed = [...readFileSync(patch, 'utf8').matchAll(/^\+\+\+ b\/((?:packages|tools)\/[^/]+)\//gm)].map((m) => m[1]);
    } else {
      changed = [pkgs.get('@lsm/stress').dir];
    }
    const order = rebuildOrder(pkgs, changed);
    process.stdout.write(`[${name}] rebuilding ${order.join(', ')}\n`);
    for (const p of order) run(process.execPath, [join(copy, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], join(copy, pkgs.get(p).dir));
    process.stdout.write(`[${name}] campaign: lsm-stress --seed ${opts.seed} --duration ${opts.duration}s\n`);
    const r = await campaign(copy, opts);
    const expectFail = name !== 'control';
    const failed = r.code === 1;
    const ok = expectFail ? failed : r.code === 0;
    const verdict = expectFail ? (failed ? `CAUGHT after ${r.firstFailure?.toFixed(0) ?? '?'} s` : 'MISSED') : r.code === 0 ? 'passed (as it must)' : 'FAILED (the unpatched code must pass)';
    process.stdout.write(`[${name}] ${verdict} (exit ${r.code}, ${r.seconds.toFixed(0)} s in all)\n    ${summary(r.output)}\n`);
    return { name, ok, verdict };
  } finally {
    if (opts.keep) process.stdout.write(`[${name}] kept ${copy}\n`);
    else rmSync(copy, { recursive: true, force: true });
  }
}

const opts = parseArgs(process.argv.slice(2));
const all = knownBugs();
const chosen = opts.bugs ?? all;
for (const b of chosen) if (!all.includes(b)) usage(`unknown bug ${b}`);
if (!existsSync(join(root, 'tools/stress/dist/cli.js'))) usage('build lsm-stress first: pnpm --filter @lsm/stress... build', 1);
const pkgs = workspace();
const results = [];
if (opts.control) results.push(await checkOne('control', opts, pkgs));
for (const b of chosen) results.push(await checkOne(b, opts, pkgs));
console.log('\nself-check:');
for (const r of results) console.log(`  ${r.ok ? 'ok  ' : 'BAD '} ${r.name}: ${r.verdict}`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
