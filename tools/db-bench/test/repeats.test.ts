// Repeated runs: the median run is reported as it ran, spreads are computed from every
// run, and one failed run fails the pair.

import { describe, expect, it } from 'vitest';
import { mergeRuns, spread } from '../src/repeats.js';
import type { PairResult, WorkerResult } from '../src/result.js';

function run(opsPerSec: number, p50: number): WorkerResult {
  return {
    ok: true,
    engine: 'lsm',
    workload: 'readrandom',
    label: 'x',
    api: { writes: 'sync', reads: 'sync', scans: 'sync' },
    notes: [],
    ops: 100,
    seconds: 100 / opsPerSec,
    opsPerSec,
    mbPerSec: 1,
    latency: { p50, p99: p50, max: p50, samples: 100, maxCallMs: p50 / 1000 },
    latencyUnit: 'op',
    diskBytes: 1,
    userBytesWritten: 0,
    writeAmp: null,
    writeAmpSource: null,
    writeAmpSyscalls: null,
    ioWriteBytes: 0,
    ioWchar: 0,
    engineBytesWritten: null,
    cpuSeconds: 1,
    maxRssBytes: 1,
    loadSeconds: 0,
    settleSeconds: 0,
    counts: {},
    keyDigest: 'abc',
  };
}

describe('mergeRuns', () => {
  it('reports the median run whole, with every run listed', () => {
    const m = mergeRuns([run(300, 3), run(100, 1), run(200, 2)]);
    expect(m).toMatchObject({ ok: true, opsPerSec: 200, latency: { p50: 2 }, repeats: [300, 100, 200] });
    expect(spread(m)).toBeCloseTo(1);
  });

  it('takes the lower middle run of an even count, and passes a single run through', () => {
    expect(mergeRuns([run(400, 4), run(100, 1), run(300, 3), run(200, 2)])).toMatchObject({ opsPerSec: 200 });
    const one = run(5, 5);
    expect(mergeRuns([one])).toBe(one);
    expect(spread(one)).toBeNull();
  });

  it('fails the pair when any run failed', () => {
    const failed: PairResult = { ok: false, engine: 'lsm', workload: 'readrandom', error: 'timed out', seconds: 1 };
    expect(mergeRuns([run(1, 1), failed, run(2, 2)])).toMatchObject({ ok: false, error: 'run 2 of 3: timed out' });
    expect(mergeRuns([failed])).toBe(failed);
  });
});
