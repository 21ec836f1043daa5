// Shrinking a failure to the shortest operation prefix that still fails. The op stream is
// a pure function of the seed and op i depends only on ops before it, so "the first L ops"
// is a well-defined smaller test: each probe re-runs from scratch (new disk, new store)
// with the stream truncated to L, and a binary search on L finds the shortest failing
// prefix (exactly, when failing is monotone in L; otherwise a short one that fails).

import { type RunFailure, type RunResult, type RunSpec, runStress } from './runner.js';

/** The shortest failing prefix found, and the failure it produces. */
export interface ShrinkResult {
  ops: number;
  failure: RunFailure;
  /** Re-runs it took. */
  probes: number;
}

/**
 * Smallest `len` in [1, hi] with `fails(len)`, by binary search, given that `fails(hi)` is
 * known to be true. `maxProbes` bounds the work.
 */
export function shortestFailing(hi: number, fails: (len: number) => boolean, maxProbes = 40): { len: number; probes: number } {
  let lo = 0; // a prefix of lo ops is not known to fail
  let probes = 0;
  while (hi - lo > 1 && probes < maxProbes) {
    const mid = lo + Math.floor((hi - lo) / 2);
    probes++;
    if (fails(mid)) hi = mid;
    else lo = mid;
  }
  return { len: hi, probes };
}

/**
 * Shrinks a failed run (`failure` found running `spec`) to its shortest failing prefix.
 * `run` is the runner (runStress; tests pass a stand-in).
 */
export function shrinkFailure(spec: RunSpec, failure: RunFailure, run: (spec: RunSpec) => RunResult = runStress): ShrinkResult {
  const failures = new Map<number, RunFailure>();
  const upper = Math.min(spec.ops, failure.opIndex + 1);
  failures.set(spec.ops, failure);
  const probe = (len: number): boolean => {
    const f = run({ ...spec, ops: len }).failure;
    if (f !== undefined) failures.set(len, f);
    return f !== undefined;
  };
  let hi = spec.ops;
  let probes = 0;
  if (upper < spec.ops) {
    probes++;
    if (probe(upper)) hi = upper;
  }
  const r = shortestFailing(hi, probe);
  return { ops: r.len, failure: failures.get(r.len)!, probes: probes + r.probes };
}
