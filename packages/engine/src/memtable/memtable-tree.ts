// The memtable's sorted structure: a B+tree over internal keys (user key ascending by the
// comparator, then seqno descending), with leaves linked both ways for iteration.
// Chosen by measurement over a skiplist (see the engine README): node arrays keep
// comparisons and memory access local. With the bytewise comparator every entry caches its
// first 18 key bytes as three numbers (key-prefix.ts), so most comparisons never touch
// the key's bytes.
//
// Promises: entries are never removed or changed (a memtable only grows and is then
// flushed whole); `version` changes on every insert so iterators can detect that their
// leaf position may have moved and re-seek.

import type { Comparator } from '@lsm/base';
import { PREFIX_BYTES, keyPrefix48 } from './key-prefix.js';

const MAX_LEAF = 64;
const MAX_INNER = 64;

/** A leaf: parallel arrays of entries in internal-key order. */
export interface Leaf {
  leaf: true;
  keys: Uint8Array[];
  p1: number[];
  p2: number[];
  p3: number[];
  seqs: number[];
  types: number[];
  vals: Uint8Array[];
  next: Leaf | null;
  prev: Leaf | null;
}

interface Inner {
  leaf: false;
  /** keys[i] (with its prefixes and seqs[i]) is the first entry of kids[i + 1]. */
  keys: Uint8Array[];
  p1: number[];
  p2: number[];
  p3: number[];
  seqs: number[];
  kids: Node[];
}

type Node = Leaf | Inner;

interface Split {
  key: Uint8Array;
  p1: number;
  p2: number;
  p3: number;
  seq: number;
  node: Node;
}

function newLeaf(): Leaf {
  return { leaf: true, keys: [], p1: [], p2: [], p3: [], seqs: [], types: [], vals: [], next: null, prev: null };
}

/** A position in the tree: a leaf and an index in it (index may equal leaf length: "past"). */
export interface TreePos {
  leaf: Leaf;
  index: number;
}

/** The B+tree. Not safe against concurrent mutation during a call (JS is single-threaded). */
export class MemtableTree {
  private root: Node = newLeaf();
  /** The leftmost leaf, where a forward scan starts. */
  first: Leaf;
  /** The rightmost leaf, where a reverse scan starts. */
  last: Leaf;
  /** Number of entries. */
  size = 0;
  /** Bumped on every insert. */
  version = 0;
  private readonly cmp: (a: Uint8Array, b: Uint8Array) => number;
  private readonly usePrefix: boolean;

  constructor(comparator: Comparator, bytewise: boolean) {
    this.cmp = comparator.compare;
    this.usePrefix = bytewise;
    this.first = this.root as Leaf;
    this.last = this.root as Leaf;
  }

  // The prefixes of the key an operation is looking for, set by setTarget().
  private t1 = 0;
  private t2 = 0;
  private t3 = 0;

  /** Computes the target key's prefixes (all 0 when the comparator is not bytewise). */
  private setTarget(key: Uint8Array): void {
    if (!this.usePrefix) return;
    this.t1 = keyPrefix48(key, 0);
    this.t2 = keyPrefix48(key, 6);
    this.t3 = keyPrefix48(key, 12);
  }

  /** Compares entry m of `node` with the target (key, seq): <0 when the entry sorts first. */
  private compareAt(node: Leaf | Inner, m: number, key: Uint8Array, seq: number): number {
    let q = node.p1[m]!;
    if (q !== this.t1) return q < this.t1 ? -1 : 1;
    q = node.p2[m]!;
    if (q !== this.t2) return q < this.t2 ? -1 : 1;
    q = node.p3[m]!;
    if (q !== this.t3) return q < this.t3 ? -1 : 1;
    const k = node.keys[m]!;
    const c = this.usePrefix ? compareFrom(k, key, k.length >= PREFIX_BYTES && key.length >= PREFIX_BYTES ? PREFIX_BYTES : 0) : this.cmp(k, key);
    if (c !== 0) return c;
    return seq - node.seqs[m]!;
  }

  /** Inserts an entry. The arrays are kept by reference: the caller hands over ownership. */
  insert(key: Uint8Array, seq: number, type: number, value: Uint8Array): void {
    this.setTarget(key);
    const split = this.insertInto(this.root, key, seq, type, value);
    if (split !== null) {
      this.root = { leaf: false, keys: [split.key], p1: [split.p1], p2: [split.p2], p3: [split.p3], seqs: [split.seq], kids: [this.root, split.node] };
    }
    this.size++;
    this.version++;
  }

  private insertInto(node: Node, key: Uint8Array, seq: number, type: number, value: Uint8Array): Split | null {
    if (node.leaf) {
      const i = this.lowerBoundInLeaf(node, key, seq);
      if (i === node.keys.length) {
        node.keys.push(key);
        node.p1.push(this.t1);
        node.p2.push(this.t2);
        node.p3.push(this.t3);
        node.seqs.push(seq);
        node.types.push(type);
        node.vals.push(value);
      } else {
        node.keys.splice(i, 0, key);
        node.p1.splice(i, 0, this.t1);
        node.p2.splice(i, 0, this.t2);
        node.p3.splice(i, 0, this.t3);
        node.seqs.splice(i, 0, seq);
        node.types.splice(i, 0, type);
        node.vals.splice(i, 0, value);
      }
      if (node.keys.length <= MAX_LEAF) return null;
      // Appending in order (sequential keys) leaves full left leaves behind: split near the
      // end then, as B-trees for bulk loads do, so leaves stay nearly full.
      const h = i === node.keys.length - 1 ? node.keys.length - 1 : node.keys.length >>> 1;
      const right: Leaf = {
        leaf: true,
        keys: node.keys.splice(h),
        p1: node.p1.splice(h),
        p2: node.p2.splice(h),
        p3: node.p3.splice(h),
        seqs: node.seqs.splice(h),
        types: node.types.splice(h),
        vals: node.vals.splice(h),
        next: node.next,
        prev: node,
      };
      if (node.next !== null) node.next.prev = right;
      else this.last = right;
      node.next = right;
      return { key: right.keys[0]!, p1: right.p1[0]!, p2: right.p2[0]!, p3: right.p3[0]!, seq: right.seqs[0]!, node: right };
    }
    const c = this.childIndex(node, key, seq);
    const s = this.insertInto(node.kids[c]!, key, seq, type, value);
    if (s === null) return null;
    node.keys.splice(c, 0, s.key);
    node.p1.splice(c, 0, s.p1);
    node.p2.splice(c, 0, s.p2);
    node.p3.splice(c, 0, s.p3);
    node.seqs.splice(c, 0, s.seq);
    node.kids.splice(c + 1, 0, s.node);
    if (node.keys.length <= MAX_INNER) return null;
    const h = node.keys.length >>> 1;
    const up: Split = { key: node.keys[h]!, p1: node.p1[h]!, p2: node.p2[h]!, p3: node.p3[h]!, seq: node.seqs[h]!, node: node };
    const right: Inner = {
      leaf: false,
      keys: node.keys.splice(h + 1),
      p1: node.p1.splice(h + 1),
      p2: node.p2.splice(h + 1),
      p3: node.p3.splice(h + 1),
      seqs: node.seqs.splice(h + 1),
      kids: node.kids.splice(h + 1),
    };
    node.keys.length = h;
    node.p1.length = h;
    node.p2.length = h;
    node.p3.length = h;
    node.seqs.length = h;
    up.node = right;
    return up;
  }

  /** Index of the child of `node` whose range holds the first entry >= target. */
  private childIndex(node: Inner, key: Uint8Array, seq: number): number {
    let lo = 0;
    let hi = node.keys.length;
    while (lo < hi) {
      const m = (lo + hi) >>> 1;
      if (this.compareAt(node, m, key, seq) <= 0) lo = m + 1;
      else hi = m;
    }
    return lo;
  }

  private lowerBoundInLeaf(leaf: Leaf, key: Uint8Array, seq: number): number {
    let lo = 0;
    let hi = leaf.keys.length;
    while (lo < hi) {
      const m = (lo + hi) >>> 1;
      if (this.compareAt(leaf, m, key, seq) < 0) lo = m + 1;
      else hi = m;
    }
    return lo;
  }

  /**
   * The first entry >= (key, seq) in internal-key order: for a user key, the newest
   * version with seqno <= seq. Returns a position, possibly past the last entry.
   */
  lowerBound(key: Uint8Array, seq: number): TreePos {
    this.setTarget(key);
    let node = this.root;
    while (!node.leaf) node = node.kids[this.childIndex(node, key, seq)]!;
    let leaf = node;
    let index = this.lowerBoundInLeaf(leaf, key, seq);
    if (index === leaf.keys.length && leaf.next !== null) {
      leaf = leaf.next;
      index = 0;
    }
    return { leaf, index };
  }

  /** The last entry <= (key, seq), or null when every entry is greater. */
  upperBoundPrev(key: Uint8Array, seq: number): TreePos | null {
    // Entries <= (key, seq) are those < (key, seq - 1) in internal order (seqnos are integers).
    const pos = this.lowerBound(key, seq - 1);
    return this.prevOf(pos);
  }

  /** The position before `pos`, or null at the start. */
  prevOf(pos: TreePos): TreePos | null {
    if (pos.index > 0) return { leaf: pos.leaf, index: pos.index - 1 };
    let leaf = pos.leaf.prev;
    while (leaf !== null && leaf.keys.length === 0) leaf = leaf.prev;
    return leaf === null ? null : { leaf, index: leaf.keys.length - 1 };
  }

}

/** Bytewise comparison of `a` and `b` starting at byte `from` (the bytes before are equal). */
function compareFrom(a: Uint8Array, b: Uint8Array, from: number): number {
  const la = a.length;
  const lb = b.length;
  const n = la < lb ? la : lb;
  for (let i = from; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return la - lb;
}
