// Measures the word representation for 64-bit coefficient rows: two 32-bit lanes in
// Int32Arrays (what src/ uses) against BigInt values in BigUint64Arrays. Both versions run
// the same two hot loops: ribbon insertion (the build's inner loop) and the retrieval dot
// product with parity (the probe's inner loop). Run via `pnpm bench` (it is the first
// section) or alone: node dist-bench/bench/word-repr.js

import { BandingStorage, insert } from '../src/ribbon-solver.js';
import { rng } from './prng.js';


const M64 = (1n << 64n) - 1n;

/** BigInt ribbon insertion, the same algorithm as ribbon-solver.ts insert(). */
function insertBig(C: BigUint64Array, R: Int32Array, start: number, c: bigint, rhs: number): number {
  let pos = start;
  for (;;) {
    const other = C[pos]!;
    if (other === 0n) {
      C[pos] = c;
      R[pos] = rhs;
      return pos;
    }
    c ^= other;
    rhs ^= R[pos]!;
    if (c === 0n) return rhs === 0 ? -1 : -2;
    // count trailing zeros: BigInt has no intrinsic, so look at the low 32 bits first
    const low = Number(c & 0xffffffffn);
    const tz = low !== 0 ? 31 - Math.clz32(low & -low) : 32 + 31 - Math.clz32(Number(c >> 32n) & -Number(c >> 32n));
    c >>= BigInt(tz);
    pos += tz;
  }
}

/** BigInt retrieval: r columns of 64-slot blocks, one u64 per (block, column). */
function queryBig(W: BigUint64Array, r: number, start: number, c: bigint): number {
  const q = start >>> 6, sh = BigInt(start & 63);
  let out = 0;
  for (let k = 0; k < r; k++) {
    const lo = W[q * r + k]! >> sh;
    const hi = sh === 0n ? 0n : (W[(q + 1) * r + k]! << (64n - sh)) & M64;
    let x = (lo | hi) & c;
    x ^= x >> 32n;
    let y = Number(x & 0xffffffffn);
    y ^= y >>> 16;
    y ^= y >>> 8;
    y ^= y >>> 4;
    out |= ((0x6996 >>> (y & 15)) & 1) << k;
  }
  return out;
}

/** 32-bit-lane retrieval, as in filter-reader.ts (on an Int32Array). */
function queryLanes(W: Int32Array, r: number, start: number, lo: number, hi: number): number {
  const sh = start & 31;
  const a0 = lo << sh;
  const a1 = (hi << sh) | ((lo >>> 1) >>> (31 - sh));
  const a2 = (hi >>> 1) >>> (31 - sh);
  let p = (start >>> 5) * r;
  let out = 0;
  for (let k = 0; k < r; k++, p++) {
    let x = (W[p]! & a0) ^ (W[p + r]! & a1) ^ (W[p + 2 * r]! & a2);
    x ^= x >>> 16;
    x ^= x >>> 8;
    x ^= x >>> 4;
    out |= ((0x6996 >>> (x & 15)) & 1) << k;
  }
  return out;
}

export interface WordReprResult {
  insertNsLanes: number;
  insertNsBigInt: number;
  queryNsLanes: number;
  queryNsBigInt: number;
}

/** Runs both representations on n random rows and returns ns per operation (best of 3). */
export function measureWordRepr(n = 1_000_000, r = 7): WordReprResult {
  const slots = Math.ceil((n * 1.05) / 64) * 64 + 128;
  const next = rng(1);
  const starts = new Int32Array(n), clo = new Int32Array(n), chi = new Int32Array(n), rhs = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    starts[i] = (next() >>> 0) % (slots - 128);
    clo[i] = next() | 1;
    chi[i] = next();
    rhs[i] = next() & ((1 << r) - 1);
  }
  const cbig = new BigUint64Array(n);
  for (let i = 0; i < n; i++) cbig[i] = (BigInt(chi[i]! >>> 0) << 32n) | BigInt(clo[i]! >>> 0);
  const best = { insertNsLanes: Infinity, insertNsBigInt: Infinity, queryNsLanes: Infinity, queryNsBigInt: Infinity };
  let sink = 0;
  for (let rep = 0; rep < 3; rep++) {
    let t = performance.now();
    const s = new BandingStorage(slots);
    for (let i = 0; i < n; i++) sink ^= insert(s, starts[i]!, clo[i]!, chi[i]!, rhs[i]!);
    best.insertNsLanes = Math.min(best.insertNsLanes, ((performance.now() - t) * 1e6) / n);

    t = performance.now();
    const C = new BigUint64Array(slots), R = new Int32Array(slots);
    for (let i = 0; i < n; i++) sink ^= insertBig(C, R, starts[i]!, cbig[i]!, rhs[i]!);
    best.insertNsBigInt = Math.min(best.insertNsBigInt, ((performance.now() - t) * 1e6) / n);

    // Query loops over random solution words of the same size in both layouts.
    const W32 = new Int32Array((slots / 32) * r + 3 * r);
    for (let i = 0; i < W32.length; i++) W32[i] = next();
    const W64 = new BigUint64Array((slots / 64) * r + 2 * r);
    for (let i = 0; i < W64.length; i++) W64[i] = (BigInt(next() >>> 0) << 32n) | BigInt(next() >>> 0);
    t = performance.now();
    for (let i = 0; i < n; i++) sink ^= queryLanes(W32, r, starts[i]!, clo[i]!, chi[i]!);
    best.queryNsLanes = Math.min(best.queryNsLanes, ((performance.now() - t) * 1e6) / n);
    t = performance.now();
    for (let i = 0; i < n; i++) sink ^= queryBig(W64, r, starts[i]!, cbig[i]!);
    best.queryNsBigInt = Math.min(best.queryNsBigInt, ((performance.now() - t) * 1e6) / n);
  }
  if (sink === 0.5) console.log('');
  return best;
}

const isMain = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'));
if (isMain) {
  const res = measureWordRepr();
  console.log(JSON.stringify(res, null, 2));
}
