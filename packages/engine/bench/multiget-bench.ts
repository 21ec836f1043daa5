// Benchmark (not a test): multiGet of 100 keys against the same 100 keys read one by one
// with get (issue #17's target: at least 2x). BENCH_N keys (16-byte keys, 100-byte values
// that compress about 2x) are loaded in random order, flushed, and the store reopened;
// then rounds alternate: READS random present keys through get, the same keys through
// multiGet in groups of 100. Median of the rounds, cold caches in the first round only.
//
//   pnpm --filter @lsm/engine exec tsc -p tsconfig.bench.json && node dist-bench/bench/multiget-bench.js

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeFs } from '@lsm/fs';
import { Tree } from '../src/index.js';

const N = Number(process.env['BENCH_N'] ?? 1_000_000);
const READS = Number(process.env['BENCH_READS'] ?? 200_000);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 5);
const GROUP = 100;

let seed = 0x9e3779b9;
function rand(n: number): number {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed % n;
}

function key(i: number): Uint8Array {
  return new TextEncoder().encode(String(i).padStart(16, '0'));
}

const root = mkdtempSync(join(tmpdir(), 'lsm-multiget-bench-'));
try {
  const fs = new NodeFs({ root });
  const dir = `${root}/db`;
  let tree = Tree.open(dir, { fs });
  const value = new Uint8Array(100);
  for (let b = 0; b < N; b += 1000) {
    const batch = tree.batch();
    for (let i = b; i < Math.min(N, b + 1000); i++) {
      for (let j = 0; j < 50; j++) value[j] = rand(256);
      batch.put(key(rand(N)), value);
    }
    batch.commit();
  }
  tree.flush();
  tree.close();
  tree = Tree.open(dir, { fs });
  const single: number[] = [];
  const multi: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const keys = Array.from({ length: READS }, () => key(rand(N)));
    let t0 = performance.now();
    let a = 0;
    for (const k of keys) if (tree.get(k) !== undefined) a++;
    single.push(READS / ((performance.now() - t0) / 1000));
    t0 = performance.now();
    let b = 0;
    for (let i = 0; i < READS; i += GROUP) for (const v of tree.multiGet(keys.slice(i, i + GROUP))) if (v !== undefined) b++;
    multi.push(READS / ((performance.now() - t0) / 1000));
    if (a !== b) throw new Error(`get found ${a} keys, multiGet ${b}`);
  }
  const median = (x: number[]): number => [...x].sort((p, q) => p - q)[Math.floor(x.length / 2)]!;
  const s = median(single);
  const m = median(multi);
  console.log(`${N.toLocaleString('en-US')} keys, ${READS.toLocaleString('en-US')} reads a round, ${ROUNDS} rounds (median)`);
  console.log(`get one by one: ${Math.round(s).toLocaleString('en-US')} keys/s`);
  console.log(`multiGet of ${GROUP}: ${Math.round(m).toLocaleString('en-US')} keys/s (${(m / s).toFixed(2)}x)`);
  tree.close();
} finally {
  rmSync(root, { recursive: true, force: true });
}
