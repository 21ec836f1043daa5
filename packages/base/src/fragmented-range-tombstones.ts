// Range tombstones cut into non-overlapping fragments (as Pebble's keyspan fragmenter and
// RocksDB's FragmentedRangeTombstoneList do): every boundary (start or end) of any input
// tombstone splits the key space, and each fragment [start, end) lists the seqnos of every
// tombstone that covers it, newest first. A point read then asks one question in
// O(log fragments): "what is the newest tombstone at or below my read seqno that covers
// this key?". Promises: fragments are sorted, disjoint, non-empty, and cover exactly the
// union of the inputs; the structure is immutable once built (safe to share between
// readers and iterators); no seqno is dropped (dropping shadowed ones is compaction's job).

import { bytewiseComparator, compareBytesAt, type Comparator } from './comparator.js';

/** A range deletion: covers user keys in [start, end) written before `seqno` (the engine applies it). */
export interface RangeTombstone {
  /** First user key covered (inclusive). */
  readonly start: Uint8Array;
  /** First user key not covered (exclusive). */
  readonly end: Uint8Array;
  /** Sequence number of the deletion. */
  readonly seqno: number;
}

/** One piece of the fragmented key space: [start, end) covered by tombstones at `seqnos`. */
export interface TombstoneFragment {
  /** Inclusive. */
  readonly start: Uint8Array;
  /** Exclusive. */
  readonly end: Uint8Array;
  /** Seqnos of the tombstones covering the fragment, descending, no duplicates. */
  readonly seqnos: readonly number[];
}

const EMPTY: readonly TombstoneFragment[] = Object.freeze([]);

/** An immutable, fragmented set of range tombstones over one comparator. */
export class FragmentedRangeTombstones {
  /** The fragments, sorted by start and disjoint. */
  readonly fragments: readonly TombstoneFragment[];

  /**
   * Bytewise order only: every fragment's end then start, packed into one buffer, so the
   * binary search of a point read walks contiguous memory instead of chasing one small
   * array per fragment (the engine's range-tombstone benchmark read 2x faster with it).
   */
  private readonly packed: Uint8Array | undefined;
  /** Offsets into `packed`: fragment i's end at [4i, 4i+1), its start at [4i+2, 4i+3). */
  private readonly offsets: Uint32Array | undefined;

  private constructor(
    fragments: readonly TombstoneFragment[],
    private readonly cmp: Comparator,
  ) {
    this.fragments = fragments;
    if (cmp === bytewiseComparator && fragments.length > 0) {
      let n = 0;
      for (const f of fragments) n += f.start.length + f.end.length;
      const packed = new Uint8Array(n);
      const offsets = new Uint32Array(fragments.length * 4);
      let at = 0;
      fragments.forEach((f, i) => {
        offsets[4 * i] = at;
        packed.set(f.end, at);
        at += f.end.length;
        offsets[4 * i + 1] = at;
        offsets[4 * i + 2] = at;
        packed.set(f.start, at);
        at += f.start.length;
        offsets[4 * i + 3] = at;
      });
      this.packed = packed;
      this.offsets = offsets;
    }
  }

  /** The empty set. */
  static empty(cmp: Comparator): FragmentedRangeTombstones {
    return new FragmentedRangeTombstones(EMPTY, cmp);
  }

  /**
   * Fragments `list` (any order; empty ranges, start >= end, are ignored). O(n log n + f·a)
   * for f fragments with at most a tombstones active at once.
   */
  static build(list: readonly RangeTombstone[], cmp: Comparator): FragmentedRangeTombstones {
    const live = list.filter((t) => cmp.compare(t.start, t.end) < 0);
    if (live.length === 0) return FragmentedRangeTombstones.empty(cmp);
    const byStart = live.slice().sort((a, b) => cmp.compare(a.start, b.start));
    const points: Uint8Array[] = [];
    for (const t of live) points.push(t.start, t.end);
    points.sort((a, b) => cmp.compare(a, b));
    const bounds: Uint8Array[] = [];
    for (const p of points) if (bounds.length === 0 || cmp.compare(bounds[bounds.length - 1]!, p) !== 0) bounds.push(p);

    const out: TombstoneFragment[] = [];
    let active: RangeTombstone[] = [];
    let next = 0;
    for (let i = 0; i + 1 < bounds.length; i++) {
      const lo = bounds[i]!;
      const hi = bounds[i + 1]!;
      // Boundaries include every start and end, so a tombstone either covers [lo, hi) whole or not at all.
      active = active.filter((t) => cmp.compare(t.end, lo) > 0);
      while (next < byStart.length && cmp.compare(byStart[next]!.start, lo) <= 0) active.push(byStart[next++]!);
      if (active.length === 0) continue;
      const seqnos = [...new Set(active.map((t) => t.seqno))].sort((a, b) => b - a);
      const prev = out[out.length - 1];
      if (prev !== undefined && cmp.compare(prev.end, lo) === 0 && sameSeqnos(prev.seqnos, seqnos)) {
        out[out.length - 1] = { start: prev.start, end: hi, seqnos: prev.seqnos };
      } else {
        out.push({ start: lo, end: hi, seqnos });
      }
    }
    return new FragmentedRangeTombstones(Object.freeze(out), cmp);
  }

  /** True when no tombstone is held. */
  get isEmpty(): boolean {
    return this.fragments.length === 0;
  }

  /** Index of the fragment containing `userKey`, or -1. O(log fragments). */
  fragmentIndex(userKey: Uint8Array): number {
    const packed = this.packed;
    if (packed !== undefined) return this.packedIndex(packed, this.offsets!, userKey);
    const f = this.fragments;
    let lo = 0;
    let hi = f.length;
    // First fragment whose end is > key.
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cmp.compare(f[mid]!.end, userKey) <= 0) lo = mid + 1;
      else hi = mid;
    }
    if (lo < f.length && this.cmp.compare(f[lo]!.start, userKey) <= 0) return lo;
    return -1;
  }

  private packedIndex(packed: Uint8Array, off: Uint32Array, userKey: Uint8Array): number {
    let lo = 0;
    let hi = this.fragments.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const e = off[4 * mid]!;
      if (compareBytesAt(packed, e, off[4 * mid + 1]! - e, userKey) <= 0) lo = mid + 1;
      else hi = mid;
    }
    if (lo >= this.fragments.length) return -1;
    const s = off[4 * lo + 2]!;
    return compareBytesAt(packed, s, off[4 * lo + 3]! - s, userKey) <= 0 ? lo : -1;
  }

  /**
   * The seqno of the newest tombstone with seqno <= `readSeqno` that covers `userKey`, or
   * -1 when none does. An entry of the key with a smaller seqno is deleted.
   */
  maxCoveringSeqno(userKey: Uint8Array, readSeqno: number): number {
    if (this.fragments.length === 0) return -1;
    const i = this.fragmentIndex(userKey);
    if (i < 0) return -1;
    return newestAtOrBelow(this.fragments[i]!.seqnos, readSeqno);
  }

  /** Every tombstone as fragments, each fragment once per seqno (what a table stores). */
  toTombstones(): RangeTombstone[] {
    const out: RangeTombstone[] = [];
    for (const f of this.fragments) for (const s of f.seqnos) out.push({ start: f.start, end: f.end, seqno: s });
    return out;
  }
}

/** The largest element <= `readSeqno` of a descending list, or -1. */
export function newestAtOrBelow(seqnos: readonly number[], readSeqno: number): number {
  if (seqnos[0]! <= readSeqno) return seqnos[0]!;
  let lo = 0;
  let hi = seqnos.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (seqnos[mid]! > readSeqno) lo = mid + 1;
    else hi = mid;
  }
  return lo < seqnos.length ? seqnos[lo]! : -1;
}

function sameSeqnos(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
