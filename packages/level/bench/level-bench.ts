// Benchmark of @lsm/level (not a test): the same abstract-level calls on LsmLevel and on
// classic-level (LevelDB), so the cost of the adapter and of the engine show side by
// side: fill with batches of 1000 (random order), random get() (awaited one by one),
// getSync(), a full scan with nextv(1000), and clear() of everything. Keys are 16 bytes,
// values 100 bytes, utf8 (strings), as db_bench. Stores live in a temp dir on the real
// disk and are removed afterwards.
//
//   pnpm --filter @lsm/level bench              (N=200000)
//   BENCH_N=1000000 pnpm --filter @lsm/level bench

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { NodeFs } from '@lsm/fs';
import { LsmLevel } from '../src/index.js';

const N = Number(process.env['BENCH_N'] ?? 200_000);
const GETS = Math.min(N, 200_000);

/** The part of the abstract-level API the benchmark uses. */
interface Db {
  open(): Promise<void>;
  close(): Promise<void>;
  batch(ops: { type: 'put'; key: string; value: string }[]): Promise<void>;
  get(key: string): Promise<string | undefined>;
  getSync(key: string): string | undefined;
  iterator(): { nextv(n: number): Promise<[string, string][]>; close(): Promise<void> };
  clear(): Promise<void>;
}

const key = (i: number): string => `user${String(i).padStart(12, '0')}`;
const value = (i: number): string => `${i}`.padEnd(100, 'v');

/** A seeded permutation of 0..n-1. */
function shuffled(n: number, seed: number): number[] {
  const a = Array.from({ length: n }, (_, i) => i);
  let s = seed >>> 0;
  for (let i = n - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

async function time(what: string, ops: number, fn: () => Promise<void> | void): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const rate = ops / s;
  console.log(`  ${what.padEnd(28)} ${(rate / 1000).toFixed(0).padStart(6)}k ops/s  (${s.toFixed(2)} s)`);
  return rate;
}

async function run(name: string, db: Db): Promise<Record<string, number>> {
  console.log(`${name}:`);
  await db.open();
  const order = shuffled(N, 42);
  const r: Record<string, number> = {};
  r['fill random (batch 1000)'] = await time('fill random (batch 1000)', N, async () => {
    for (let i = 0; i < N; i += 1000) {
      await db.batch(order.slice(i, i + 1000).map((j) => ({ type: 'put' as const, key: key(j), value: value(j) })));
    }
  });
  const probes = shuffled(N, 7).slice(0, GETS);
  r['get random (awaited)'] = await time('get random (awaited)', GETS, async () => {
    for (const j of probes) if ((await db.get(key(j))) === undefined) throw new Error(`missing ${key(j)}`);
  });
  r['getSync random'] = await time('getSync random', GETS, () => {
    for (const j of probes) if (db.getSync(key(j)) === undefined) throw new Error(`missing ${key(j)}`);
  });
  r['scan (nextv 1000)'] = await time('scan (nextv 1000)', N, async () => {
    const it = db.iterator();
    let n = 0;
    for (let b = await it.nextv(1000); b.length > 0; b = await it.nextv(1000)) n += b.length;
    await it.close();
    if (n !== N) throw new Error(`scanned ${n} of ${N}`);
  });
  r['clear all'] = await time('clear all', N, () => db.clear());
  await db.close();
  return r;
}

const root = mkdtempSync(join(tmpdir(), 'lsm-level-bench-'));
try {
  console.log(`@lsm/level benchmark: ${N} keys (16 B) with 100 B values, ${GETS} gets, Node ${process.version}`);
  const lsm = await run('LsmLevel (@lsm/engine)', new LsmLevel(join(root, 'lsm'), { engine: { fs: new NodeFs({ root }) } }) as unknown as Db);
  const classic = await run('ClassicLevel (LevelDB)', new ClassicLevel(join(root, 'classic')) as unknown as Db);
  console.log('\nratio LsmLevel / ClassicLevel (higher is better for LsmLevel):');
  for (const k of Object.keys(lsm)) console.log(`  ${k.padEnd(28)} ${(lsm[k]! / classic[k]!).toFixed(2)}x`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
