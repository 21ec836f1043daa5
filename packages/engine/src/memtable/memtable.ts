// The memtable: the newest writes, sorted in memory until they are flushed to an L0
// table. It owns copies of keys and values (callers may reuse their buffers), counts
// the bytes it holds so the engine can seal it at a size, and never changes or removes
// an entry once added.

import { type Comparator, FragmentedRangeTombstones, type RangeTombstone, ValueType } from '@lsm/base';
import { copyBytes } from './byte-slab.js';
import { MemtableTree, type TreePos } from './memtable-tree.js';
import { MemtableIterator } from './memtable-iterator.js';

/** Per-entry bookkeeping cost, counted in `approximateBytes` besides key and value. */
const ENTRY_OVERHEAD = 48;

/** One entry as a point lookup sees it. */
export interface MemEntry {
  type: ValueType;
  seqno: number;
  value: Uint8Array;
}

/** A sorted in-memory run of writes. */
export class Memtable {
  readonly tree: MemtableTree;
  /** Bytes held, approximately (keys + values + per-entry overhead). */
  approximateBytes = 0;
  /** Smallest and largest seqno added (0 when empty). */
  smallestSeqno = 0;
  largestSeqno = 0;
  /** Point tombstones added (deletes and weak deletes). */
  tombstones = 0;
  /** Range deletions added, in insertion (seqno) order. */
  readonly rangeTombstones: RangeTombstone[] = [];
  /**
   * The first `fragmentedCount` range deletions, fragmented. The ones added since are
   * scanned one by one until there are more than about the square root of the total;
   * then the whole list is fragmented again. So a point read costs O(log t + sqrt t) and
   * the rebuilds O(sqrt t · log t) per range deletion, amortized, whatever the mix of
   * deletions and reads (rebuilding after every deletion would make a workload that
   * alternates them quadratic).
   */
  private fragmented: FragmentedRangeTombstones | undefined;
  /**
   * False once a write to this memtable's log failed: the log may then hold a record the
   * memtable does not (or lack one it holds), so the memtable cannot be rebuilt from it.
   */
  logIntact = true;
  private fragmentedCount = 0;

  constructor(
    readonly comparator: Comparator,
    bytewise: boolean,
    /** The write-ahead log holding this memtable's writes (0 when the WAL is off). */
    readonly logNumber: number,
  ) {
    this.tree = new MemtableTree(comparator, bytewise);
  }

  /** Number of entries. */
  get size(): number {
    return this.tree.size;
  }

  /** True when nothing was added. */
  get empty(): boolean {
    return this.tree.size === 0 && this.rangeTombstones.length === 0;
  }

  /** Adds an entry; `key` and `value` are copied into the memtable's arena. */
  add(seqno: number, type: ValueType, key: Uint8Array, value: Uint8Array): void {
    this.tree.insert(key, seqno, type, value);
    this.approximateBytes += key.length + value.length + ENTRY_OVERHEAD;
    if (this.smallestSeqno === 0 || seqno < this.smallestSeqno) this.smallestSeqno = seqno;
    if (seqno > this.largestSeqno) this.largestSeqno = seqno;
    if (type === ValueType.Tombstone || type === ValueType.WeakTombstone) this.tombstones++;
  }

  /** Adds a range deletion of [start, end) at `seqno` (copies the keys unless `owned`). */
  addRangeTombstone(seqno: number, start: Uint8Array, end: Uint8Array, owned = false): void {
    this.rangeTombstones.push({ start: owned ? start : copyBytes(start), end: owned ? end : copyBytes(end), seqno });
    this.approximateBytes += start.length + end.length + ENTRY_OVERHEAD;
    if (this.smallestSeqno === 0 || seqno < this.smallestSeqno) this.smallestSeqno = seqno;
    if (seqno > this.largestSeqno) this.largestSeqno = seqno;
  }

  /**
   * The seqno of the newest range deletion at or below `seqno` that covers `key`, or -1.
   * (What a point read asks; iterators fragment the whole list themselves.)
   */
  maxCoveringSeqno(key: Uint8Array, seqno: number): number {
    const list = this.rangeTombstones;
    const unfragmented = list.length - this.fragmentedCount;
    if (unfragmented > 32 && unfragmented * unfragmented > list.length) {
      this.fragmented = FragmentedRangeTombstones.build(list, this.comparator);
      this.fragmentedCount = list.length;
    }
    let best = this.fragmented === undefined ? -1 : this.fragmented.maxCoveringSeqno(key, seqno);
    const cmp = this.comparator;
    for (let i = this.fragmentedCount; i < list.length; i++) {
      const t = list[i]!;
      if (t.seqno <= seqno && t.seqno > best && cmp.compare(t.start, key) <= 0 && cmp.compare(key, t.end) < 0) best = t.seqno;
    }
    return best;
  }

  /** Position of the newest version of `key` with seqno <= `seqno`, or null. */
  private find(key: Uint8Array, seqno: number): TreePos | null {
    const pos = this.tree.lowerBound(key, seqno);
    if (pos.index >= MemtableTree.count(pos.leaf)) return null;
    return this.tree.isLowerBoundKey(pos.leaf, pos.index, key) ? pos : null;
  }

  /** The newest entry of `key` visible at `seqno`, or undefined. */
  get(key: Uint8Array, seqno: number): MemEntry | undefined {
    const pos = this.find(key, seqno);
    if (pos === null) return undefined;
    const l = pos.leaf;
    const i = pos.index;
    return { type: l.types[i] as ValueType, seqno: l.seqs[i]!, value: this.tree.valueAt(l, i) };
  }

  /**
   * Calls `visit` with the versions of `key` visible at `seqno`, newest first, until it
   * returns false. Used to gather merge operands.
   */
  versions(key: Uint8Array, seqno: number, visit: (type: ValueType, seqno: number, value: Uint8Array) => boolean): void {
    const pos = this.find(key, seqno);
    if (pos === null) return;
    let leaf: typeof pos.leaf | null = pos.leaf;
    let i = pos.index;
    while (leaf !== null) {
      for (; i < MemtableTree.count(leaf); i++) {
        if (!this.tree.keyEquals(leaf, i, key)) return;
        if (!visit(leaf.types[i] as ValueType, leaf.seqs[i]!, this.tree.valueAt(leaf, i))) return;
      }
      leaf = leaf.next;
      i = 0;
    }
  }

  /** An iterator over every entry (all versions), in internal-key order. */
  iterator(): MemtableIterator {
    return new MemtableIterator(this.tree);
  }
}
