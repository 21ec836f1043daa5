// Benchmark (not a test): bulk ingestion (tree.ingest) against fillseq through puts (issue
// #18 part 5's target: ingest at least 3x the fillseq rate). Both load the same BENCH_N
// sorted keys (default 10M; 16-byte keys, 100-byte values that compress about 2x) into a
// fresh store on the real disk (NodeFs, default options: a worker thread for flushes and
// compactions, zstd), each in its own temp directory:
// - fillseq: write batches of 1000 puts, then flush() (the data durable in tables);
// - ingest: one tree.ingest() of a generator yielding the same pairs (durable on return).
// The time of each includes opening and closing the store. Prints both rates and the ratio.
//
//   pnpm --filter @lsm/engine bench:ingest            (builds dist/ first: the bench runs the built package)
//   BENCH_N=100000 pnpm --filter @lsm/engine bench:ingest

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeFs } from '@lsm/fs';
import type { Tree as TreeClass } from '../src/index.js';

// The built package (dist/), as a user gets it: its worker thread script lives there.
const { Tree } = (await import(new URL('../../dist/index.js', import.meta.url).href)) as { Tree: typeof TreeClass };
type Tree = TreeClass;

const N = Number(process.env['BENCH_N'] ?? 10_000_000);
const BATCH = 1000;
const KEY_BYTES = 16;
const VALUE_BYTES = 100;

if (!Number.isSafeInteger(N) || N < 1) throw new Error(`BENCH_N must be a positive integer, got ${process.env['BENCH_N']}`);

/** Key i: 16 decimal digits, so the keys sort in i order. */
function key(i: number): Uint8Array {
  const k = new Uint8Array(KEY_BYTES);
  let x = i;
  for (let j = KEY_BYTES - 1; j >= 0; j--) {
    k[j] = 0x30 + (x % 10);
    x = Math.floor(x / 10);
  }
  return k;
}

/** The value of key i: half of it random-looking (from i), half a constant, so it compresses about 2x. */
function value(i: number): Uint8Array {
  const v = new Uint8Array(VALUE_BYTES).fill(0x61);
  let s = (i * 0x9e3779b1) >>> 0 || 1;
  for (let j = 0; j < VALUE_BYTES / 2; j++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    v[j] = s & 0xff;
  }
  return v;
}

function* sortedPairs(): Generator<[Uint8Array, Uint8Array]> {
  for (let i = 0; i < N; i++) yield [key(i), value(i)];
}

/** Runs `load` on a fresh store in a temp dir; returns the rate in keys/s and checks a few keys. */
function timed(name: string, load: (tree: Tree) => void): number {
  const root = mkdtempSync(join(tmpdir(), `lsm-ingest-bench-${name}-`));
  try {
    const t0 = performance.now();
    const tree = Tree.open(`${root}/db`, { fs: new NodeFs({ root }) });
    load(tree);
    tree.close();
    const secs = (performance.now() - t0) / 1000;
    const check = Tree.open(`${root}/db`, { fs: new NodeFs({ root }), readOnly: true });
    for (const i of [0, Math.floor(N / 2), N - 1]) {
      const got = check.get(key(i));
      if (got === undefined || Buffer.compare(Buffer.from(got), Buffer.from(value(i))) !== 0) throw new Error(`${name}: key ${i} reads back wrong`);
    }
    check.close();
    return N / secs;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const fillseq = timed('fillseq', (tree) => {
  for (let b = 0; b < N; b += BATCH) {
    const batch = tree.batch();
    for (let i = b; i < Math.min(N, b + BATCH); i++) batch.put(key(i), value(i));
    batch.commit();
  }
  tree.flush();
});
const ingest = timed('ingest', (tree) => {
  tree.ingest(sortedPairs());
});

const fmt = (x: number): string => Math.round(x).toLocaleString('en-US');
console.log(`${N.toLocaleString('en-US')} sorted keys, ${KEY_BYTES}-byte keys, ${VALUE_BYTES}-byte values, NodeFs, default options`);
console.log(`fillseq (batches of ${BATCH} puts, then flush): ${fmt(fillseq)} keys/s`);
console.log(`ingest (one call): ${fmt(ingest)} keys/s`);
console.log(`ratio ingest / fillseq: ${(ingest / fillseq).toFixed(2)}x (target: at least 3x)`);
