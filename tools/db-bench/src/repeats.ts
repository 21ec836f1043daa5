// Repeated runs of a pair (--repeat N): the machine is noisy, so a pair can run several
// times (each in a fresh process on a fresh directory) and report its median run.
//
// Promises: the reported run is a real run (the one with the median ops/s; the lower
// middle one for an even count), never an average of runs; every run's ops/s is kept in
// `repeats`; a pair with any failed run is reported as failed.

import type { PairResult } from './result.js';

/** Merges the runs of one pair, in the order they ran. */
export function mergeRuns(runs: readonly PairResult[]): PairResult {
  if (runs.length === 0) throw new RangeError('no runs to merge');
  const failedAt = runs.findIndex((r) => !r.ok);
  if (failedAt >= 0) {
    const f = runs[failedAt]!;
    if (f.ok) throw new Error('unreachable');
    return runs.length === 1 ? f : { ...f, error: `run ${failedAt + 1} of ${runs.length}: ${f.error}` };
  }
  const ok = runs.filter((r) => r.ok);
  if (ok.length === 1) return ok[0]!;
  const sorted = [...ok].sort((a, b) => a.opsPerSec - b.opsPerSec);
  const median = sorted[(sorted.length - 1) >> 1]!;
  return { ...median, repeats: ok.map((r) => r.opsPerSec) };
}

/** (max - min) / median of a pair's repeated ops/s, or null for a single run. */
export function spread(r: PairResult): number | null {
  if (!r.ok || r.repeats === undefined || r.repeats.length < 2) return null;
  const min = Math.min(...r.repeats);
  const max = Math.max(...r.repeats);
  return (max - min) / r.opsPerSec;
}
