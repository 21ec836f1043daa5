// The L0 tables of one bulk ingest share one seqno (disjoint keys, visible together).
// Found by lsm-stress once ingest joined its op mix: SizeTiered merged one of them with
// older runs and left its sibling, so the output (holding an older version of a key of
// the sibling, with the same largest seqno and a larger id) sorted above the sibling and
// point reads returned the older value; Fifo dropped one of them alone, so a drop was not
// "the oldest writes" any more and half an ingest vanished. Both now treat such tables
// as one unit.

import { describe, expect, it } from 'vitest';
import { Fifo, SizeTiered } from '../src/index.js';
import { meta } from './helpers.js';

/** An ingest's two tables at seqno 50, an older table below them, a newer one above. */
function l0() {
  return {
    newer: meta('a', 'z', 10, { id: 60, smallestSeqno: 51, largestSeqno: 60 }),
    ingestA: meta('a', 'k', 10, { id: 41, smallestSeqno: 50, largestSeqno: 50 }),
    ingestB: meta('m', 'z', 10, { id: 42, smallestSeqno: 50, largestSeqno: 50 }),
    older: meta('a', 'z', 10, { id: 30, smallestSeqno: 1, largestSeqno: 40 }),
  };
}

describe('L0 tables sharing a seqno', () => {
  it('SizeTiered merges them together or not at all', () => {
    const t = l0();
    const st = new SizeTiered({ minMergeWidth: 2, maxMergeWidth: 2, maxRuns: 2, sizeRatio: 0, maxSizeAmplificationPercent: 10_000 });
    // Similar sizes: a window of two runs. The ingest's pair counts as one run, so the
    // window takes both of its tables (with a neighbour), never one of them alone.
    const p = st.pick({ levels: [[t.newer, t.ingestB, t.ingestA, t.older]] })!;
    const ids = p.inputs.flatMap((g) => g.tables.map((x) => x.id)).sort();
    expect(ids.includes(41)).toBe(true);
    expect(ids.includes(42)).toBe(true);
    expect(ids.length).toBe(3);
    const major = st.pickMajor({ levels: [[t.newer, t.ingestB, t.ingestA, t.older]] })!;
    expect(major.inputs[0]!.tables.length).toBe(4);
  });

  it('Fifo drops them together', () => {
    const t = l0();
    // 40 bytes stored, cap 25: dropping the oldest (10) is not enough, the next is one of
    // the ingest's tables, and its sibling must go with it.
    const f = new Fifo({ maxTotalBytes: 25 });
    const p = f.pick({ levels: [[t.newer, t.ingestB, t.ingestA, t.older]] })!;
    expect(p.inputs[0]!.tables.map((x) => x.id).sort()).toEqual([30, 41, 42]);
  });
});
