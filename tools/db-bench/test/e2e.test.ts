// db-bench end to end, as `pnpm bench` runs it: real child processes, real engines, real
// files. A tiny run must produce the table, a JSON and an SVG, and exit 0; crashed,
// failing and hung children must be reported as failed without hanging the run.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunSettings } from '../src/args.js';
import type { PairResult, WorkerResult } from '../src/result.js';
import { runChild } from '../src/runner.js';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'db-bench-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function bench(...args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

describe('a tiny run', () => {
  it('runs two workloads on @lsm/engine and lmdb, writes JSON and SVG, exits 0', () => {
    const out = join(root, 'out');
    const db = join(root, 'db');
    const r = bench('--num', '2000', '--workloads', 'fillrandom,readrandom', '--engines', 'lsm,lmdb', '--out', out, '--db', db);
    expect(r.err).not.toContain('FAILED');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/\| fillrandom \| @lsm\/engine \| [\d,]+ \|/);
    expect(r.out).toMatch(/\| readrandom \| LMDB \| [\d,]+ \|/);
    expect(r.out).toContain('lsm ÷ LMDB');
    const files = readdirSync(out);
    const json = files.find((f) => f.endsWith('.json'));
    const svg = files.find((f) => f.endsWith('.svg'));
    expect(json).toBeDefined();
    expect(svg).toBeDefined();
    const report = JSON.parse(readFileSync(join(out, json!), 'utf8')) as { results: PairResult[]; ratios: { workload: string; vs: Record<string, number | null> }[]; settings: RunSettings };
    expect(report.settings.num).toBe(2000);
    expect(report.results).toHaveLength(4);
    const ok = report.results.filter((x): x is WorkerResult => x.ok);
    expect(ok).toHaveLength(4);
    for (const x of ok) {
      expect(x.opsPerSec).toBeGreaterThan(0);
      expect(x.latency.p50).toBeGreaterThan(0);
      expect(x.latency.max).toBeGreaterThanOrEqual(x.latency.p99);
      expect(x.diskBytes).toBeGreaterThan(2000 * 116 * 0.5);
    }
    // The same key stream reached both engines.
    for (const w of ['fillrandom', 'readrandom']) {
      const [a, b] = ok.filter((x) => x.workload === w);
      expect(a!.keyDigest).toBe(b!.keyDigest);
    }
    expect(ok.find((x) => x.engine === 'lsm' && x.workload === 'fillrandom')!.writeAmpSource).toBe('engine stats');
    expect(ok.find((x) => x.engine === 'lmdb' && x.workload === 'readrandom')!.counts['found']).toBe(2000);
    expect(report.ratios.map((x) => x.workload)).toEqual(['fillrandom', 'readrandom']);
    expect(report.ratios[0]!.vs['lmdb']).toBeGreaterThan(0);
    const chart = readFileSync(join(out, svg!), 'utf8');
    expect(chart.startsWith('<svg')).toBe(true);
    expect(chart).toContain('fillrandom');
    expect(chart).toContain('vs LMDB');
    // The stores are gone; the --db parent stays.
    expect(readdirSync(db)).toEqual([]);
  });
});

describe('failed children', () => {
  const request = { settings: {} as RunSettings, dir: join(root, 'never'), progress: true };

  it('a crash is reported with its exit code and stderr, and progress still flows', async () => {
    const progress: string[] = [];
    const r = await runChild({
      engine: 'lsm',
      workload: 'fillseq',
      request,
      timeoutMs: 20_000,
      workerPath: fixture('crash-worker.mjs'),
      onProgress: (stage, done, total) => progress.push(`${stage} ${done}/${total}`),
    });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(/exited with code 3 without a result: Error: simulated engine crash/);
    expect(progress).toEqual(['load 5/10']);
  });

  it('an error reported by the worker is passed on', async () => {
    const r = await runChild({ engine: 'lmdb', workload: 'readseq', request, timeoutMs: 20_000, workerPath: fixture('fail-worker.mjs') });
    expect(r).toMatchObject({ ok: false, engine: 'lmdb', workload: 'readseq', error: 'Error: disk on fire' });
  });

  it('a hung child is killed at its timeout', async () => {
    const t0 = Date.now();
    const r = await runChild({ engine: 'rocksdb', workload: 'readrandom', request, timeoutMs: 700, workerPath: fixture('hang-worker.mjs') });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(/timed out after 0\.7 s/);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('the CLI reports a timed-out pair as FAILED in the table, still writes its files, and exits 1', () => {
    const out = join(root, 'out-timeout');
    const r = bench('--num', '400000', '--workloads', 'fillrandom', '--engines', 'lsm', '--timeout', '0.3', '--out', out);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/\| fillrandom \| @lsm\/engine \| FAILED: timed out after 0\.3 s/);
    const json = readdirSync(out).find((f) => f.endsWith('.json'));
    const report = JSON.parse(readFileSync(join(out, json!), 'utf8')) as { results: PairResult[] };
    expect(report.results[0]).toMatchObject({ ok: false, engine: 'lsm', workload: 'fillrandom' });
    expect(existsSync(join(out, json!.replace('.json', '.svg')))).toBe(true);
  });
});
