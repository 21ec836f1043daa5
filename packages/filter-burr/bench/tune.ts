// Parameter sweep behind the README's "Design choices": space overhead (bits per key over
// r, exact, no false-positive sampling) of filters built with other bucket sizes, loads
// and threshold cuts. Run (after `pnpm bench` or `tsc -p tsconfig.bench.json` has compiled
// dist-bench/): node dist-bench/bench/tune.js [n] [r]

import { buildFilterBytes, DEFAULT_PARAMS, type BuildParams } from '../src/builder.js';
import { rng } from './prng.js';

const n = Number(process.argv[2] ?? 1e6);
const r = Number(process.argv[3] ?? 7);
const seeds = n >= 1e6 ? 2 : 6;

function overhead(params: BuildParams): number {
  let sum = 0;
  for (let s = 1; s <= seeds; s++) {
    const next = rng(n * 7 + s);
    const hi = new Int32Array(n), lo = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      hi[i] = next();
      lo[i] = next();
    }
    const bytes = buildFilterBytes({ hi, lo, count: n }, r, s, params);
    sum += (bytes.length * 8) / (n * r) - 1;
  }
  return sum / seeds;
}

/** BuRR's 2-bit threshold formulas for w = 64, turned into offset cuts. */
function paperCuts(logB: number, eps: number): { cutA: number; cutB: number } {
  const B = 2 ** logB;
  const upper = Math.floor((0.91 + 0.75 * eps) * B);
  const lower = Math.floor((0.78 + 1.3 * eps) * B);
  return { cutA: B - 1 - upper, cutB: B - 1 - lower };
}

const configs: [string, BuildParams][] = [];
for (const logB of [6, 7, 8, 9]) {
  configs.push([`B=${2 ** logB} eps=-1/16`, { ...DEFAULT_PARAMS, logBucketSize: logB, ...paperCuts(logB, -1 / 16) }]);
}
for (const eps of [-0.04, -0.05, -0.07, -0.08]) {
  configs.push([`B=128 eps=${eps}`, { ...DEFAULT_PARAMS, loadEps: eps, ...paperCuts(7, eps) }]);
}
for (const [cutA, cutB] of [[12, 38], [22, 38], [17, 32], [17, 46]] as const) {
  configs.push([`B=128 eps=-1/16 cuts ${cutA},${cutB}`, { ...DEFAULT_PARAMS, cutA, cutB }]);
}
for (const finalLayerMaxKeys of [512, 1024, 4096]) {
  configs.push([`final layer max keys ${finalLayerMaxKeys}`, { ...DEFAULT_PARAMS, finalLayerMaxKeys }]);
}

console.log(`n=${n} r=${r}, mean of ${seeds} seeds; default (B=128, eps=-1/16, cuts ${DEFAULT_PARAMS.cutA},${DEFAULT_PARAMS.cutB}): ${(overhead(DEFAULT_PARAMS) * 100).toFixed(3)}%`);
for (const [name, params] of configs) console.log(`  ${name.padEnd(36)} ${(overhead(params) * 100).toFixed(3)}%`);
