// Latency samples and their summary: a preallocated Float64Array filled in the timed loop
// (no allocation per sample), then sorted once for nearest-rank percentiles.
//
// Promises: percentile(p) is the nearest-rank percentile (the smallest sample with at least
// p% of the samples at or below it); an empty recorder summarises to zeros; samples are
// stored in microseconds per operation (a batch or chunk sample is divided by its size).

/** p50 / p99 / max of a set of per-operation latencies, in microseconds. */
export interface LatencySummary {
  p50: number;
  p99: number;
  max: number;
  /** Number of samples the summary is made of. */
  samples: number;
  /**
   * The longest single engine call of the timed phase, in milliseconds, undivided: a
   * whole write batch, one read, one chunk of a scan; for readwhilewriting also its write
   * batches. For a synchronous engine this is how long the event loop was blocked.
   */
  maxCallMs: number;
}

/** Nearest-rank percentile of ascending `sorted` (length n > 0), p in [0, 100]. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return 0;
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be in [0, 100], got ${p}`);
  const rank = Math.max(1, Math.ceil((p / 100) * n));
  return sorted[rank - 1]!;
}

/** Summarises samples (any order); does not modify the input. */
export function summarize(samples: Float64Array): LatencySummary {
  if (samples.length === 0) return { p50: 0, p99: 0, max: 0, samples: 0, maxCallMs: 0 };
  const sorted = Float64Array.from(samples).sort();
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1]!, samples: sorted.length, maxCallMs: 0 };
}

/**
 * Collects latency samples into a preallocated array. `record(ms, ops)` stores the time of
 * one sample (an operation, a batch or a chunk of a scan) as microseconds per operation.
 */
export class LatencyRecorder {
  private readonly data: Float64Array;
  private n = 0;
  private maxCall = 0;

  constructor(capacity: number) {
    this.data = new Float64Array(Math.max(1, capacity));
  }

  /** Stores `ms` milliseconds spent on `ops` operations. Samples past capacity are dropped. */
  record(ms: number, ops: number): void {
    if (this.n < this.data.length) this.data[this.n++] = (ms * 1000) / ops;
    if (ms > this.maxCall) this.maxCall = ms;
  }

  /** Counts a call that is no latency sample (a write batch among reads) towards the longest call. */
  noteCall(ms: number): void {
    if (ms > this.maxCall) this.maxCall = ms;
  }

  /** Samples stored so far. */
  get count(): number {
    return this.n;
  }

  /** The summary of the stored samples. */
  summary(): LatencySummary {
    return { ...summarize(this.data.subarray(0, this.n)), maxCallMs: this.maxCall };
  }
}
