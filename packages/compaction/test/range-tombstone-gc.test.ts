// collectRangeTombstones on hand-made fragments: which (fragment, seqno) pairs a
// compaction writes. A reader would see a key come back if a needed tombstone were
// dropped, and the store would keep dead tombstones forever if redundant ones were kept;
// counters (dropped pairs, the newest seqno dropped at the bottom, which changesSince
// relies on) must be exact; adjacent fragments left alike are joined, others never.

import { describe, expect, it } from 'vitest';
import { bytewiseComparator, FragmentedRangeTombstones, type RangeTombstone } from '@lsm/base';
import { collectRangeTombstones, SnapshotStripes } from '../src/index.js';
import { b, s } from './helpers.js';

const rt = (start: string, end: string, seqno: number): RangeTombstone => ({ start: b(start), end: b(end), seqno });

function gc(list: RangeTombstone[], opts: { snapshots?: number[]; bottom?: (start: string) => boolean } = {}) {
  const r = collectRangeTombstones(
    bytewiseComparator,
    FragmentedRangeTombstones.build(list, bytewiseComparator),
    new SnapshotStripes(opts.snapshots ?? [], 100),
    (start) => opts.bottom?.(s(start)) ?? false,
  );
  return { fragments: r.fragments.map((f) => `[${s(f.start)},${s(f.end)})@${f.seqnos.join('/')}`), dropped: r.droppedFragments, maxAtBottom: r.maxDroppedAtBottom };
}

describe('collectRangeTombstones', () => {
  it('keeps only the newest seqno of each stripe, counting each one dropped', () => {
    expect(gc([rt('a', 'c', 5), rt('a', 'c', 3), rt('a', 'c', 2)])).toEqual({ fragments: ['[a,c)@5'], dropped: 2, maxAtBottom: -1 });
    // A snapshot at 3 separates 5 from 3 and 2: a reader at 3 needs the tombstone at 3.
    expect(gc([rt('a', 'c', 5), rt('a', 'c', 3), rt('a', 'c', 2)], { snapshots: [3] })).toEqual({ fragments: ['[a,c)@5/3'], dropped: 1, maxAtBottom: -1 });
  });

  it('drops stripe-0 tombstones where nothing lies below, and reports the newest of them', () => {
    const bottomEverywhere = { bottom: () => true };
    // Fragments are visited in key order: the newest dropped comes first here.
    expect(gc([rt('a', 'b', 7), rt('c', 'd', 4)], bottomEverywhere)).toEqual({ fragments: [], dropped: 2, maxAtBottom: 7 });
    expect(gc([rt('a', 'b', 4), rt('c', 'd', 7)], bottomEverywhere)).toEqual({ fragments: [], dropped: 2, maxAtBottom: 7 });
    // Only where the span is bottommost; and a seqno above a snapshot is never dropped there.
    expect(gc([rt('a', 'b', 7), rt('c', 'd', 4)], { bottom: (start) => start === 'c' })).toEqual({ fragments: ['[a,b)@7'], dropped: 1, maxAtBottom: 4 });
    expect(gc([rt('a', 'b', 7), rt('a', 'b', 2)], { snapshots: [5], ...bottomEverywhere })).toEqual({ fragments: ['[a,b)@7'], dropped: 1, maxAtBottom: 2 });
  });

  it('joins adjacent fragments left with the same seqnos, and no others', () => {
    // [a,c)@5 and [b,d)@3 fragment into [a,b)@5, [b,c)@5/3, [c,d)@3; without snapshots the 3
    // under 5 goes, and [a,b) and [b,c) are alike again.
    expect(gc([rt('a', 'c', 5), rt('b', 'd', 3)])).toEqual({ fragments: ['[a,c)@5', '[c,d)@3'], dropped: 1, maxAtBottom: -1 });
    // Same seqno, not adjacent: two fragments.
    expect(gc([rt('a', 'b', 5), rt('c', 'd', 5)]).fragments).toEqual(['[a,b)@5', '[c,d)@5']);
    // Adjacent, the second with one seqno more (a snapshot keeps both): not joined.
    expect(gc([rt('a', 'c', 5), rt('b', 'd', 3)], { snapshots: [4] }).fragments).toEqual(['[a,b)@5', '[b,c)@5/3', '[c,d)@3']);
    // Adjacent, same length, other seqnos: not joined.
    expect(gc([rt('a', 'b', 5), rt('b', 'c', 6)]).fragments).toEqual(['[a,b)@5', '[b,c)@6']);
  });
});
