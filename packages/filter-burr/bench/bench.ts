// The BuRR benchmark (`pnpm --filter @lsm/filter-burr bench`): for n in 1e4..1e7 and r in
// 7, 10, 16 it measures bits per key, the false-positive rate over at least 10 million
// absent keys (more for larger r), the space overhead against the information-theoretic
// minimum, build time and probe times; and, in the same run, a standard Bloom filter
// (optimal k) at the same bits per key and at the same false-positive rate. Prints a
// table and writes bench/results/burr-bench.json. Options: --quick (fewer queries, n up
// to 1e6), --sizes=1e4,1e5 and --rs=7,16 to narrow the run, --out=<file>.

import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, BurrFilter } from '../src/index.js';
import { BloomFilter, bestK, bloomBitsForFpr } from './bloom.js';
import { measureWordRepr } from './word-repr.js';
import { rng } from './prng.js';

const args = new Map(process.argv.slice(2).map((a) => {
  const [k, v] = a.replace(/^--/, '').split('=');
  return [k!, v ?? 'true'] as const;
}));
const quick = args.has('quick');
const sizes = (args.get('sizes') ?? (quick ? '1e4,1e5,1e6' : '1e4,1e5,1e6,1e7')).split(',').map(Number);
const rs = (args.get('rs') ?? '7,10,16').split(',').map(Number);
const here = dirname(fileURLToPath(import.meta.url));
const outFile = resolve(args.get('out') ?? resolve(here, '../../bench/results/burr-bench.json'));

/** Absent-key queries per r: at least 10 million, more where false positives are rare. */
function queriesFor(r: number): number {
  const full = r <= 7 ? 20e6 : r <= 10 ? 30e6 : 200e6;
  return quick ? Math.min(full, 10e6) : full;
}


function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

// Each probe loop exists twice, once per filter class, so that every call site sees one
// receiver type and V8 can inline the probe (a shared loop would be polymorphic and slow
// both filters down).

/** ns per positive probe over all member keys (repeated for small n). */
function timePositiveBurr(p: BurrFilter, keys: Uint32Array): { ns: number; misses: number } {
  const n = keys.length / 2;
  const passes = Math.max(1, Math.ceil(2e6 / n));
  let misses = 0;
  const t = performance.now();
  for (let pass = 0; pass < passes; pass++) {
    for (let i = 0; i < n; i++) if (!p.mayContainHash(keys[2 * i]!, keys[2 * i + 1]!)) misses++;
  }
  return { ns: ((performance.now() - t) * 1e6) / (n * passes), misses };
}

function timePositiveBloom(p: BloomFilter, keys: Uint32Array): { ns: number; misses: number } {
  const n = keys.length / 2;
  const passes = Math.max(1, Math.ceil(2e6 / n));
  let misses = 0;
  const t = performance.now();
  for (let pass = 0; pass < passes; pass++) {
    for (let i = 0; i < n; i++) if (!p.mayContainHash(keys[2 * i]!, keys[2 * i + 1]!)) misses++;
  }
  return { ns: ((performance.now() - t) * 1e6) / (n * passes), misses };
}

function countBurr(f: BurrFilter, chunk: Int32Array, count: number): number {
  let c = 0;
  for (let i = 0; i < count; i++) if (f.mayContainHash(chunk[2 * i]!, chunk[2 * i + 1]!)) c++;
  return c;
}

function countBloom(f: BloomFilter, chunk: Int32Array, count: number): number {
  let c = 0;
  for (let i = 0; i < count; i++) if (f.mayContainHash(chunk[2 * i]!, chunk[2 * i + 1]!)) c++;
  return c;
}

const CHUNK = 1 << 20;

/**
 * Probes `total` absent keys (random 64-bit hashes, generated untimed in chunks) through
 * every filter; returns false positives and ns/op for each.
 */
function timeNegative(filters: (BurrFilter | BloomFilter)[], total: number, seed: number): { fp: number[]; ns: number[] } {
  const next = rng(seed);
  const chunk = new Int32Array(2 * CHUNK);
  const fp = filters.map(() => 0);
  const ms = filters.map(() => 0);
  for (let done = 0; done < total; done += CHUNK) {
    const count = Math.min(CHUNK, total - done);
    for (let i = 0; i < 2 * count; i++) chunk[i] = next();
    filters.forEach((f, j) => {
      const t = performance.now();
      const c = f instanceof BurrFilter ? countBurr(f, chunk, count) : countBloom(f, chunk, count);
      ms[j]! += performance.now() - t;
      fp[j]! += c;
    });
  }
  return { fp, ns: ms.map((m) => (m * 1e6) / total) };
}

function buildBloom(keys: Uint32Array, bitsPerKey: number, k: number): { bloom: BloomFilter; ns: number } {
  const n = keys.length / 2;
  const t = performance.now();
  const bloom = new BloomFilter(Math.round(bitsPerKey * n), k);
  for (let i = 0; i < n; i++) bloom.add(keys[2 * i]!, keys[2 * i + 1]!);
  return { bloom, ns: ((performance.now() - t) * 1e6) / n };
}

interface Row {
  n: number;
  r: number;
  queries: number;
  burr: {
    bitsPerKey: number;
    layers: number;
    falsePositives: number;
    fpr: number;
    overheadMeasured: number;
    overheadVsR: number;
    buildNsPerKey: number;
    positiveNsPerOp: number;
    negativeNsPerOp: number;
  };
  bloomSameBits: { bitsPerKey: number; k: number; fpr: number; overheadMeasured: number; buildNsPerKey: number; positiveNsPerOp: number; negativeNsPerOp: number };
  bloomSameFpr: { bitsPerKey: number; k: number; fpr: number; buildNsPerKey: number; positiveNsPerOp: number; negativeNsPerOp: number };
  memorySavedVsBloomAtEqualFpr: number;
}

const pct = (x: number, d = 2): string => `${(x * 100).toFixed(d)}%`;

function runRow(n: number, r: number, keys: Uint32Array): Row {
  // Timed builds run back to back after warm-up: a forced GC between builds would let V8
  // drop optimized code (it holds weak references) and time the interpreter instead.
  const reps = n <= 1e4 ? 51 : n <= 1e5 ? 11 : n <= 1e6 ? 3 : 1;
  const warmups = n <= 1e5 ? 5 : 1;
  let filter = build(keys, { fingerprintBits: r });
  for (let i = 1; i < warmups; i++) filter = build(keys, { fingerprintBits: r });
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    filter = build(keys, { fingerprintBits: r });
    times.push(((performance.now() - t) * 1e6) / n);
  }
  const buildNs = median(times);
  const pos = timePositiveBurr(filter, keys);
  if (pos.misses !== 0) throw new Error(`false negatives: ${pos.misses} (n=${n} r=${r})`);

  const bpk = filter.bitsPerKey;
  const same = buildBloom(keys, bpk, bestK(bpk));
  const queries = queriesFor(r);
  // First pass: BuRR and the same-bits Bloom filter.
  const neg1 = timeNegative([filter, same.bloom], queries, n * 31 + r);
  const fpr = neg1.fp[0]! / queries;
  const bloomFprSameBits = neg1.fp[1]! / queries;
  // Bloom filter sized for the false-positive rate BuRR measured.
  const bitsEq = bloomBitsForFpr(fpr);
  const eq = buildBloom(keys, bitsEq, bestK(bitsEq));
  const neg2 = timeNegative([eq.bloom], queries, n * 37 + r + 1);
  const posSame = timePositiveBloom(same.bloom, keys);
  const posEq = timePositiveBloom(eq.bloom, keys);
  const row: Row = {
    n,
    r,
    queries,
    burr: {
      bitsPerKey: bpk,
      layers: filter.layerInfo().length,
      falsePositives: neg1.fp[0]!,
      fpr,
      overheadMeasured: bpk / Math.log2(1 / fpr) - 1,
      overheadVsR: bpk / r - 1,
      buildNsPerKey: buildNs,
      positiveNsPerOp: pos.ns,
      negativeNsPerOp: neg1.ns[0]!,
    },
    bloomSameBits: {
      bitsPerKey: (same.bloom.m / n),
      k: same.bloom.k,
      fpr: bloomFprSameBits,
      overheadMeasured: same.bloom.m / n / Math.log2(1 / bloomFprSameBits) - 1,
      buildNsPerKey: same.ns,
      positiveNsPerOp: posSame.ns,
      negativeNsPerOp: neg1.ns[1]!,
    },
    bloomSameFpr: {
      bitsPerKey: eq.bloom.m / n,
      k: eq.bloom.k,
      fpr: neg2.fp[0]! / queries,
      buildNsPerKey: eq.ns,
      positiveNsPerOp: posEq.ns,
      negativeNsPerOp: neg2.ns[0]!,
    },
    memorySavedVsBloomAtEqualFpr: 1 - filter.byteLength / eq.bloom.byteLength,
  };
  return row;
}

function main(): void {
  const date = new Date().toISOString().slice(0, 10);
  const machine = `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  console.log(`@lsm/filter-burr benchmark, ${date}, ${machine}${quick ? ' [quick]' : ''}`);
  if (!(globalThis as { gc?: unknown }).gc) console.log('(run with --expose-gc for steadier timings)');

  console.log('\nWord representation for 64-bit coefficient rows (n = 1e6, r = 7, best of 3):');
  const words = measureWordRepr();
  console.log(`  insert: 32-bit lanes ${words.insertNsLanes.toFixed(1)} ns, BigInt ${words.insertNsBigInt.toFixed(1)} ns (${(words.insertNsBigInt / words.insertNsLanes).toFixed(1)}x)`);
  console.log(`  query:  32-bit lanes ${words.queryNsLanes.toFixed(1)} ns, BigInt ${words.queryNsBigInt.toFixed(1)} ns (${(words.queryNsBigInt / words.queryNsLanes).toFixed(1)}x)`);

  // Warm the Bloom filter's code up once so its first row does not time the interpreter
  // (BuRR builds are warmed up per row).
  {
    const warm = new Uint32Array(2e5);
    const next = rng(12345);
    for (let i = 0; i < warm.length; i++) warm[i] = next();
    for (let i = 0; i < 3; i++) {
      const { bloom } = buildBloom(warm, 10, 7);
      timePositiveBloom(bloom, warm);
      timeNegative([bloom], 1e6, i);
    }
  }

  const rows: Row[] = [];
  const header = '| n | r | BuRR bits/key | FPR (measured) | overhead | overhead vs r | build ns/key | +probe ns | -probe ns | Bloom same bits: FPR (k) | Bloom same FPR: bits/key (k) | memory saved |';
  console.log(`\n${header}\n${header.replace(/[^|]/g, '-')}`);
  for (const n of sizes) {
    const keys = new Uint32Array(2 * n);
    const next = rng(n);
    for (let i = 0; i < keys.length; i++) keys[i] = next();
    for (const r of rs) {
      gc();
      const row = runRow(n, r, keys);
      rows.push(row);
      const b = row.burr;
      console.log(
        `| ${n.toExponential(0).replace('+', '')} | ${r} | ${b.bitsPerKey.toFixed(3)} | ${b.fpr.toExponential(3)} (${b.falsePositives} / ${row.queries.toExponential(0).replace('+', '')}) | ${pct(b.overheadMeasured)} | ${pct(b.overheadVsR, 3)} | ${b.buildNsPerKey.toFixed(0)} | ${b.positiveNsPerOp.toFixed(1)} | ${b.negativeNsPerOp.toFixed(1)} | ${row.bloomSameBits.fpr.toExponential(3)} (${row.bloomSameBits.k}) | ${row.bloomSameFpr.bitsPerKey.toFixed(2)} (${row.bloomSameFpr.k}) | ${pct(row.memorySavedVsBloomAtEqualFpr, 1)} |`,
      );
    }
  }
  console.log('\nBloom details (build ns/key, +probe ns, -probe ns; measured FPR of the equal-FPR Bloom):');
  for (const row of rows) {
    const s = row.bloomSameBits, e = row.bloomSameFpr;
    console.log(`  n=${row.n.toExponential(0).replace('+', '')} r=${row.r}: same bits ${s.buildNsPerKey.toFixed(0)} / ${s.positiveNsPerOp.toFixed(1)} / ${s.negativeNsPerOp.toFixed(1)}, overhead ${pct(s.overheadMeasured, 1)}; same FPR ${e.buildNsPerKey.toFixed(0)} / ${e.positiveNsPerOp.toFixed(1)} / ${e.negativeNsPerOp.toFixed(1)}, measured FPR ${e.fpr.toExponential(3)}`);
  }
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, JSON.stringify({ date, machine, quick, wordRepresentation: words, rows }, null, 2));
  console.log(`\nwrote ${outFile}`);
}

main();
