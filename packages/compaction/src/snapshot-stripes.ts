// Snapshot stripes: the seqno intervals between the sequence numbers anyone can read at.
// A read at S sees, per key, the newest entry with seqno <= S. The readers a compaction
// must serve are the open snapshots and "now" (visibleSeqno); a future reader reads at a
// seqno above everything written so far. So the boundaries are the snapshots plus
// visibleSeqno, and stripe i holds the seqnos in (B[i-1], B[i]]; entries above the last
// boundary form a final, top stripe (only there if something was written past
// visibleSeqno, which a well-behaved engine never hands to compaction).
// Two entries of one key in the same stripe are indistinguishable to every reader
// except through the newer one: that is what lets the older one go.
// Promises: immutable after construction; stripeOf is O(log #snapshots).

import { InvalidArgumentError, shownValue } from '@lsm/base';

export class SnapshotStripes {
  /** Sorted, unique read points: the snapshots and visibleSeqno. */
  readonly boundaries: readonly number[];
  private readonly b: Float64Array;

  /**
   * `snapshots`: seqnos of the open snapshots (any order, duplicates allowed).
   * `visibleSeqno`: the seqno of the newest write; a read "now" sees everything <= it.
   */
  constructor(snapshots: readonly number[], visibleSeqno: number) {
    checkSeqno(visibleSeqno, 'visibleSeqno');
    if (!Array.isArray(snapshots)) throw new InvalidArgumentError('snapshots must be an array of sequence numbers');
    for (const s of snapshots) checkSeqno(s, 'snapshot sequence number');
    const sorted = [...new Set([...snapshots, visibleSeqno])].sort((x, y) => x - y);
    this.boundaries = Object.freeze(sorted);
    this.b = Float64Array.from(sorted);
  }

  /** Number of stripes, the top one included. */
  get count(): number {
    return this.b.length + 1;
  }

  /**
   * The stripe of an entry written at `seqno`: the index of the smallest boundary
   * >= seqno, or boundaries.length (the top stripe) when seqno is above all of them.
   * Stripe 0 is the oldest: no reader reads below its top.
   */
  stripeOf(seqno: number): number {
    const b = this.b;
    if (b.length === 1) return seqno <= b[0]! ? 0 : 1;
    let lo = 0;
    let hi = b.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (b[mid]! < seqno) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

function checkSeqno(s: unknown, what: string): void {
  if (typeof s !== 'number' || !Number.isSafeInteger(s) || s < 0) {
    throw new InvalidArgumentError(`${what} must be a safe integer >= 0, got ${shownValue(s)}`);
  }
}
