#!/usr/bin/env node
// db-bench: the same workloads on @lsm/engine, LevelDB (classic-level), RocksDB (rocksdb)
// and LMDB (lmdb), side by side, in one run on one machine, with ratios.
//
// Every (engine, workload) pair runs in its own child process (worker.js) on a fresh
// directory, one at a time (never two at once: the machine has 2 cores). The report is a
// table on stdout plus <out>/<timestamp>.json and <out>/<timestamp>.svg (the ratios).
// Exit codes: 0 every pair ran, 1 some pair failed (the report still says which and is
// still written), 64 bad command line.

import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENGINE_TITLES } from './adapters/index.js';
import { type CliOptions, EXIT_USAGE, USAGE, UsageError, parseArgs } from './args.js';
import { machineInfo, machineLine } from './machine.js';
import { topSelfTime } from './profile.js';
import { Progress } from './progress.js';
import { PEERS, computeRatios } from './ratios.js';
import { ratioChart } from './report-svg.js';
import { notes, ratioTable, resultsTable } from './report-table.js';
import type { PairResult, WorkerRequest } from './result.js';
import { mergeRuns } from './repeats.js';
import { runChild } from './runner.js';

/** Where results go without --out: tools/db-bench/results. */
export const DEFAULT_OUT = fileURLToPath(new URL('../results/', import.meta.url));

function describeSettings(o: CliOptions): string {
  const s = o.settings;
  const dist = s.valueDist.kind === 'fixed' ? `${s.valueDist.size} B values` : `values uniform in [${s.valueDist.min}, ${s.valueDist.max}] B`;
  const repeat = o.repeat > 1 ? `, median of ${o.repeat} runs` : '';
  return `${s.num.toLocaleString('en-US')} keys of ${s.keySize} B, ${dist}, batches of ${s.batch}, ${s.reads.toLocaleString('en-US')} reads, compression ${s.compression}, seed ${s.seed}${repeat}`;
}

async function main(argv: readonly string[]): Promise<number> {
  let o: CliOptions;
  try {
    o = parseArgs(argv, DEFAULT_OUT);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`db-bench: ${err.message}\n${USAGE}\n`);
      return EXIT_USAGE;
    }
    throw err;
  }
  if (o.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const started = new Date();
  const stamp = started.toISOString().replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');
  mkdirSync(o.out, { recursive: true });
  const dbRoot = o.db ?? mkdtempSync(join(tmpdir(), 'db-bench-'));
  mkdirSync(dbRoot, { recursive: true });
  const profDir = join(o.out, `profiles-${stamp}`);
  const machine = machineInfo();
  process.stderr.write(`db-bench: ${describeSettings(o)}\n  on ${machineLine(machine)}\n`);

  const pairs = o.workloads.flatMap((workload) => o.engines.map((engine) => ({ engine, workload })));
  const progress = new Progress(pairs.length * o.repeat);
  const runs: PairResult[][] = pairs.map(() => []);
  // All pairs once before any pair twice: slow drifts of a noisy machine hit every engine alike.
  for (let rep = 0; rep < o.repeat; rep++) {
    for (const [i, { engine, workload }] of pairs.entries()) {
      const dir = join(dbRoot, `${engine}-${workload}`);
      rmSync(dir, { recursive: true, force: true });
      const runLabel = o.repeat > 1 ? ` (run ${rep + 1}/${o.repeat})` : '';
      progress.start(rep * pairs.length + i, `${ENGINE_TITLES[engine]} ${workload}${runLabel}`);
      const request: WorkerRequest = { settings: o.settings, dir, progress: progress.enabled };
      if (o.cpuProf) request.profile = join(profDir, `${engine}-${workload}${o.repeat > 1 ? `-run${rep + 1}` : ''}.cpuprofile`);
      const r = await runChild({
        engine,
        workload,
        request,
        timeoutMs: o.timeoutMs,
        nodeArgs: ['--expose-gc'],
        onProgress: (stage, done, total) => progress.update(stage, done, total),
      });
      rmSync(dir, { recursive: true, force: true });
      runs[i]!.push(r);
      if (!progress.enabled) {
        process.stderr.write(r.ok ? `  ${engine} ${workload}${runLabel}: ${Math.round(r.opsPerSec).toLocaleString('en-US')} ops/s\n` : `  ${engine} ${workload}${runLabel}: FAILED (${r.error})\n`);
      }
    }
  }
  const results = runs.map((r) => mergeRuns(r));
  progress.done();
  if (o.db === undefined) rmSync(dbRoot, { recursive: true, force: true });

  const ratios = computeRatios(results, o.workloads);
  const date = started.toISOString().slice(0, 10);
  const report = [
    `db-bench ${date}: ${describeSettings(o)}`,
    `machine: ${machineLine(machine)}`,
    '',
    resultsTable(results, o.engines, o.workloads),
    '',
    o.engines.includes('lsm') && o.engines.some((e) => e !== 'lsm') ? `${ratioTable(ratios, o.engines)}\n` : '',
    notes(results, o.engines, o.settings.warm),
  ].join('\n');
  process.stdout.write(`${report}\n`);

  const base = join(o.out, stamp);
  const json = { tool: 'db-bench', date: started.toISOString(), machine, settings: o.settings, repeat: o.repeat, engines: o.engines, workloads: o.workloads, quick: o.quick, results, ratios };
  writeFileSync(`${base}.json`, `${JSON.stringify(json, null, 2)}\n`);
  const peers = PEERS.filter((p) => o.engines.includes(p));
  writeFileSync(`${base}.svg`, ratioChart(ratios, peers, '@lsm/engine vs peers: ops/s ratio per workload', `${date}, ${describeSettings(o)}; ${machine.cpus} cores, Node ${machine.node}`));
  process.stdout.write(`\nwrote ${base}.json and ${base}.svg\n`);

  if (o.cpuProf) {
    let files: string[] = [];
    try {
      files = readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile'));
    } catch {
      // No child wrote a profile.
    }
    for (const f of files.sort()) {
      const top = topSelfTime(JSON.parse(readFileSync(join(profDir, f), 'utf8')), 15);
      process.stdout.write(`\nprofile ${join(profDir, f)}: top self time\n${top}\n`);
    }
  }
  return results.every((r) => r.ok) ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`db-bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 2;
  },
);
