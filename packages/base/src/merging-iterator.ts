// MergingIterator: k-way merge of sorted InternalIterators (tables, memtables, compaction
// inputs) into one InternalIterator, forward and backward, with seeks and direction
// switches (LevelDB's MergingIterator, with a binary heap). Entries with equal internal
// keys in different children are all returned, ordered by child index, so the merge is a
// total, deterministic order: (user key asc, seqno desc, child index asc).

import { bytewiseComparator, type Comparator } from './comparator.js';
import { closedError, InvalidArgumentError } from './errors.js';
import { MAX_SEQNO, type ValueType } from './internal-key.js';
import type { InternalIterator } from './iterator.js';

const FORWARD = 1;
const REVERSE = -1;

export class MergingIterator implements InternalIterator {
  private readonly children: InternalIterator[];
  /** Heap of child indices; heap[0] is the current entry's child. */
  private readonly heap: Int32Array;
  private size = 0;
  private dir = FORWARD;
  private closed = false;

  /** Merges `children` (the iterator takes ownership: close() closes them). */
  constructor(
    children: readonly InternalIterator[],
    private readonly cmp: Comparator = bytewiseComparator,
  ) {
    this.children = [...children];
    this.heap = new Int32Array(Math.max(1, this.children.length));
  }

  valid(): boolean {
    return this.size > 0;
  }

  seekToFirst(): void {
    this.reposition(FORWARD, (c) => c.seekToFirst());
  }

  seekToLast(): void {
    this.reposition(REVERSE, (c) => c.seekToLast());
  }

  seek(userKey: Uint8Array, seqno: number = MAX_SEQNO): void {
    this.reposition(FORWARD, (c) => c.seek(userKey, seqno));
  }

  seekForPrev(userKey: Uint8Array, seqno = 0): void {
    this.reposition(REVERSE, (c) => c.seekForPrev(userKey, seqno));
  }

  next(): void {
    this.checkValid();
    try {
      if (this.dir !== FORWARD) this.switchDirection(FORWARD);
      const top = this.heap[0]!;
      const child = this.children[top]!;
      child.next();
      if (child.valid()) this.siftDown(0);
      else this.removeTop();
    } catch (err) {
      this.size = 0;
      throw err;
    }
  }

  prev(): void {
    this.checkValid();
    try {
      if (this.dir !== REVERSE) this.switchDirection(REVERSE);
      const top = this.heap[0]!;
      const child = this.children[top]!;
      child.prev();
      if (child.valid()) this.siftDown(0);
      else this.removeTop();
    } catch (err) {
      this.size = 0;
      throw err;
    }
  }

  userKey(): Uint8Array {
    return this.top().userKey();
  }

  seqno(): number {
    return this.top().seqno();
  }

  type(): ValueType {
    return this.top().type();
  }

  value(): Uint8Array {
    return this.top().value();
  }

  /** Index (in the constructor's array) of the child holding the current entry. */
  currentChild(): number {
    this.checkValid();
    return this.heap[0]!;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.size = 0;
    let first: unknown;
    for (const c of this.children) {
      try {
        c.close();
      } catch (err) {
        first ??= err;
      }
    }
    if (first !== undefined) throw first;
  }

  private top(): InternalIterator {
    this.checkValid();
    return this.children[this.heap[0]!]!;
  }

  private reposition(dir: number, move: (c: InternalIterator) => void): void {
    if (this.closed) throw closedError('merging iterator');
    this.size = 0;
    this.dir = dir;
    for (const c of this.children) move(c);
    this.rebuild();
  }

  /**
   * Repositions every child except the current one just past (forward) or just before
   * (reverse) the current entry, then rebuilds the heap for the new direction.
   */
  private switchDirection(dir: number): void {
    const cur = this.heap[0]!;
    const cc = this.children[cur]!;
    const key = cc.userKey();
    const seq = cc.seqno();
    for (let i = 0; i < this.children.length; i++) {
      if (i === cur) continue;
      const c = this.children[i]!;
      if (dir === FORWARD) {
        c.seek(key, seq);
        // Equal internal keys in a lower-indexed child come before the current entry.
        if (c.valid() && this.order(i, cur) < 0) c.next();
      } else {
        c.seekForPrev(key, seq);
        if (c.valid() && this.order(i, cur) > 0) c.prev();
      }
    }
    this.dir = dir;
    this.rebuild();
  }

  private rebuild(): void {
    let n = 0;
    for (let i = 0; i < this.children.length; i++) if (this.children[i]!.valid()) this.heap[n++] = i;
    this.size = n;
    for (let i = (n >>> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  /** Total order of the children's current entries: user key, seqno desc, child index. */
  private order(a: number, b: number): number {
    const ca = this.children[a]!;
    const cb = this.children[b]!;
    const c = this.cmp.compare(ca.userKey(), cb.userKey());
    if (c !== 0) return c;
    const s = cb.seqno() - ca.seqno();
    if (s !== 0) return s;
    return a - b;
  }

  /** True when child a's entry comes out before child b's in the current direction. */
  private before(a: number, b: number): boolean {
    const o = this.order(a, b);
    return this.dir === FORWARD ? o < 0 : o > 0;
  }

  private siftDown(i: number): void {
    const heap = this.heap;
    const n = this.size;
    const x = heap[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let m = l;
      if (r < n && this.before(heap[r]!, heap[l]!)) m = r;
      if (!this.before(heap[m]!, x)) break;
      heap[i] = heap[m]!;
      i = m;
    }
    heap[i] = x;
  }

  private removeTop(): void {
    this.size--;
    if (this.size > 0) {
      this.heap[0] = this.heap[this.size]!;
      this.siftDown(0);
    }
  }

  private checkValid(): void {
    if (this.size === 0) {
      if (this.closed) throw closedError('merging iterator');
      throw new InvalidArgumentError('iterator is not positioned on an entry');
    }
  }
}
