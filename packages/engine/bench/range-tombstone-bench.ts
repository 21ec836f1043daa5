// Benchmark (not a test): the cost of range tombstones on point reads. Two stores with
// the same N keys side by side in one run; the second also holds T range deletions
// (default 10,000, each over a few keys, spread over the key space: 90% in two L0 tables
// above the data, 10% in the memtable; automatic compaction is off after the load so they
// stay there, which is the costly place: every read consults them, and a compaction to
// the bottom would drop them with the keys they cover). Random point reads of present keys are timed on both, alternating
// rounds, median of the rounds; the ratio is the target (at most 2x slower).
// Every read's answer is checked against what the deletions imply.
//
//   pnpm --filter @lsm/engine bench
//   BENCH_N=500000 BENCH_T=10000 pnpm --filter @lsm/engine bench

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeFs } from '@lsm/fs';
import { Tree } from '../src/index.js';

const N = Number(process.env['BENCH_N'] ?? 200_000);
const T = Number(process.env['BENCH_T'] ?? 10_000);
const READS = Number(process.env['BENCH_READS'] ?? 200_000);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 5);

function key(i: number): Uint8Array {
  return new TextEncoder().encode(`user${String(i).padStart(12, '0')}`);
}

let seed = 0x2545f491;
function rand(n: number): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) % n;
}

function fill(dir: string): Tree {
  const tree = Tree.open(dir, { memtableBytes: 8 << 20, autoCompaction: false, fs: new NodeFs({ root }) });
  const value = new Uint8Array(100).fill(0x61);
  for (let i = 0; i < N; i += 1000) {
    const b = tree.batch();
    for (let j = i; j < Math.min(N, i + 1000); j++) b.put(key(j), value);
    b.commit();
  }
  tree.flush();
  tree.compact();
  return tree;
}

function progress(msg: string): void {
  if (process.stderr.isTTY) process.stderr.write(`\r${msg}\x1b[K`);
}

const root = mkdtempSync(join(tmpdir(), 'lsm-rt-bench-'));
try {
  const plain = fill(join(root, 'plain'));
  const withRt = fill(join(root, 'tombstones'));
  // T deletions of 3 keys each at random places; most flushed into tables, the last 10% in the memtable.
  const deleted = new Uint8Array(N);
  for (let t = 0; t < T; t++) {
    const a = rand(N - 3);
    withRt.deleteRange(key(a), key(a + 3));
    deleted[a] = deleted[a + 1] = deleted[a + 2] = 1;
    if (t === Math.floor(T * 0.45) || t === Math.floor(T * 0.9)) withRt.flush();
    if (t % 500 === 0) progress(`range deletions ${t}/${T}`);
  }
  const stats = withRt.stats();
  const probes = Array.from({ length: READS }, () => rand(N));
  const probeKeys = probes.map(key);
  const timeReads = (tree: Tree, check: boolean): number => {
    const t0 = process.hrtime.bigint();
    let found = 0;
    for (let i = 0; i < probeKeys.length; i++) {
      const v = tree.get(probeKeys[i]!);
      if (v !== undefined) found++;
      if (check && (v === undefined) !== (deleted[probes[i]!] === 1)) throw new Error(`wrong answer for key ${probes[i]}`);
    }
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    if (!check && found !== probeKeys.length) throw new Error('a key is missing from the plain store');
    return probeKeys.length / s;
  };
  // Warm both (block cache, table cache, fragmented tombstones) before timing.
  timeReads(plain, false);
  timeReads(withRt, true);
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    progress(`round ${r + 1}/${ROUNDS}`);
    a.push(timeReads(plain, false));
    b.push(timeReads(withRt, true));
  }
  progress('');
  const median = (xs: number[]): number => xs.slice().sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  const ma = median(a);
  const mb = median(b);
  const levels = stats.levels.map((l) => l.tables).join('/');
  console.log(`range-tombstone point-read benchmark: N=${N} keys, T=${T} range deletions, ${READS} random reads x ${ROUNDS} rounds (median)`);
  console.log(`tables per level with tombstones: ${levels}`);
  console.log(`no range tombstones:   ${(ma / 1000).toFixed(0)}k reads/s`);
  console.log(`${T} range tombstones: ${(mb / 1000).toFixed(0)}k reads/s`);
  console.log(`slowdown: ${(ma / mb).toFixed(2)}x (target <= 2x)`);
  plain.close();
  withRt.close();
} finally {
  rmSync(root, { recursive: true, force: true });
}
