// The percentile math: nearest rank, on any input order, and the recorder's unit
// conversion (milliseconds per sample -> microseconds per operation).

import { describe, expect, it } from 'vitest';
import { LatencyRecorder, percentile, summarize } from '../src/stats.js';

describe('percentile (nearest rank)', () => {
  const oneToHundred = Float64Array.from({ length: 100 }, (_, i) => i + 1);

  it('picks the smallest sample with at least p% at or below it', () => {
    expect(percentile(oneToHundred, 50)).toBe(50);
    expect(percentile(oneToHundred, 99)).toBe(99);
    expect(percentile(oneToHundred, 99.5)).toBe(100);
    expect(percentile(oneToHundred, 100)).toBe(100);
    expect(percentile(oneToHundred, 0)).toBe(1);
    expect(percentile(oneToHundred, 1)).toBe(1);
    expect(percentile(oneToHundred, 1.01)).toBe(2);
  });

  it('handles tiny inputs', () => {
    expect(percentile([7], 50)).toBe(7);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([1, 2], 50)).toBe(1);
    expect(percentile([1, 2], 51)).toBe(2);
    expect(percentile([], 50)).toBe(0);
  });

  it('rejects p outside [0, 100]', () => {
    expect(() => percentile([1], 101)).toThrow(RangeError);
    expect(() => percentile([1], Number.NaN)).toThrow(RangeError);
  });

  it('summarize sorts numerically and leaves its input alone', () => {
    const input = Float64Array.from([10, 9, 100, 2, 1000, 3, 8, 7, 6, 5]);
    const copy = Float64Array.from(input);
    expect(summarize(input)).toEqual({ p50: 7, p99: 1000, max: 1000, samples: 10, maxCallMs: 0 });
    expect(input).toEqual(copy);
    expect(summarize(new Float64Array(0))).toEqual({ p50: 0, p99: 0, max: 0, samples: 0, maxCallMs: 0 });
  });

  it('p99 of 1,000 samples with 10 outliers is the largest non-outlier', () => {
    const s = new Float64Array(1000).fill(1);
    for (let i = 0; i < 10; i++) s[i * 97] = 500;
    expect(summarize(s)).toMatchObject({ p50: 1, p99: 1, max: 500 });
    s[1] = 500; // 11 outliers: now the 99th percentile is one
    expect(summarize(s).p99).toBe(500);
  });
});

describe('LatencyRecorder', () => {
  it('stores microseconds per operation and drops samples past capacity', () => {
    const r = new LatencyRecorder(3);
    r.record(1, 1); // 1 ms for one op = 1000 µs
    r.record(2, 1000); // a batch of 1000 in 2 ms = 2 µs per op
    r.record(0.5, 100); // a scan chunk of 100 in 0.5 ms = 5 µs per entry
    r.record(99, 1); // over capacity
    expect(r.count).toBe(3);
    // The longest call counts even past capacity: it happened, and it blocked the caller.
    expect(r.summary()).toEqual({ p50: 5, p99: 1000, max: 1000, samples: 3, maxCallMs: 99 });
  });

  it('keeps the longest single call undivided, also for calls that are no sample', () => {
    const r = new LatencyRecorder(10);
    r.record(40, 1000); // a 40 ms batch: 40 µs per op, but the caller was blocked 40 ms
    r.noteCall(55); // a write batch among reads
    r.record(1, 1);
    expect(r.summary().max).toBe(1000);
    expect(r.summary().maxCallMs).toBe(55);
  });
});
