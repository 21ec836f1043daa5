// The memtable's sorted structure: a B+tree over internal keys (user key ascending by the
// comparator, then seqno descending), with leaves linked both ways for iteration.
// Chosen by measurement over a skiplist (see the engine README): node arrays keep
// comparisons and memory access local. With the bytewise comparator every entry caches a
// 48-bit key prefix, so most comparisons are one number comparison.
//
// Promises: entries are never removed or changed (a memtable only grows and is then
// flushed whole); `version` changes on every insert so iterators can detect that their
// leaf position may have moved and re-seek.

import type { Comparator } from '@lsm/sstable';
import { keyPrefix48 } from './key-prefix.js';

const MAX_LEAF = 64;
const MAX_INNER = 64;

/** A leaf: parallel arrays of entries in internal-key order. */
export interface Leaf {
  leaf: true;
  keys: Uint8Array[];
  pfx: number[];
  seqs: number[];
  types: number[];
  vals: Uint8Array[];
  next: Leaf | null;
  prev: Leaf | null;
}

interface Inner {
  leaf: false;
  /** keys[i] (with pfx[i], seqs[i]) is the first entry of kids[i + 1]. */
  keys: Uint8Array[];
  pfx: number[];
  seqs: number[];
  kids: Node[];
}

type Node = Leaf | Inner;

interface Split {
  key: Uint8Array;
  pfx: number;
  seq: number;
  node: Node;
}

function newLeaf(): Leaf {
  return { leaf: true, keys: [], pfx: [], seqs: [], types: [], vals: [], next: null, prev: null };
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

  /** The prefix summary used for `key` (0 when the comparator is not bytewise). */
  prefixOf(key: Uint8Array): number {
    return this.usePrefix ? keyPrefix48(key) : 0;
  }

  /** Compares stored entry (k, p, s) with target (key, pk, seq): <0 when the entry sorts first. */
  private compareAt(k: Uint8Array, p: number, s: number, key: Uint8Array, pk: number, seq: number): number {
    if (p !== pk) return p < pk ? -1 : 1;
    const c = this.cmp(k, key);
    if (c !== 0) return c;
    return seq - s;
  }

  /** Inserts an entry. The arrays are kept by reference: the caller hands over ownership. */
  insert(key: Uint8Array, seq: number, type: number, value: Uint8Array): void {
    const pk = this.prefixOf(key);
    const split = this.insertInto(this.root, key, pk, seq, type, value);
    if (split !== null) {
      this.root = { leaf: false, keys: [split.key], pfx: [split.pfx], seqs: [split.seq], kids: [this.root, split.node] };
    }
    this.size++;
    this.version++;
  }

  private insertInto(node: Node, key: Uint8Array, pk: number, seq: number, type: number, value: Uint8Array): Split | null {
    if (node.leaf) {
      const i = this.lowerBoundInLeaf(node, key, pk, seq);
      if (i === node.keys.length) {
        node.keys.push(key);
        node.pfx.push(pk);
        node.seqs.push(seq);
        node.types.push(type);
        node.vals.push(value);
      } else {
        node.keys.splice(i, 0, key);
        node.pfx.splice(i, 0, pk);
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
        pfx: node.pfx.splice(h),
        seqs: node.seqs.splice(h),
        types: node.types.splice(h),
        vals: node.vals.splice(h),
        next: node.next,
        prev: node,
      };
      if (node.next !== null) node.next.prev = right;
      else this.last = right;
      node.next = right;
      return { key: right.keys[0]!, pfx: right.pfx[0]!, seq: right.seqs[0]!, node: right };
    }
    const c = this.childIndex(node, key, pk, seq);
    const s = this.insertInto(node.kids[c]!, key, pk, seq, type, value);
    if (s === null) return null;
    node.keys.splice(c, 0, s.key);
    node.pfx.splice(c, 0, s.pfx);
    node.seqs.splice(c, 0, s.seq);
    node.kids.splice(c + 1, 0, s.node);
    if (node.keys.length <= MAX_INNER) return null;
    const h = node.keys.length >>> 1;
    const up: Split = { key: node.keys[h]!, pfx: node.pfx[h]!, seq: node.seqs[h]!, node: node };
    const right: Inner = {
      leaf: false,
      keys: node.keys.splice(h + 1),
      pfx: node.pfx.splice(h + 1),
      seqs: node.seqs.splice(h + 1),
      kids: node.kids.splice(h + 1),
    };
    node.keys.length = h;
    node.pfx.length = h;
    node.seqs.length = h;
    up.node = right;
    return up;
  }

  /** Index of the child of `node` whose range holds the first entry >= target. */
  private childIndex(node: Inner, key: Uint8Array, pk: number, seq: number): number {
    let lo = 0;
    let hi = node.keys.length;
    while (lo < hi) {
      const m = (lo + hi) >>> 1;
      if (this.compareAt(node.keys[m]!, node.pfx[m]!, node.seqs[m]!, key, pk, seq) <= 0) lo = m + 1;
      else hi = m;
    }
    return lo;
  }

  private lowerBoundInLeaf(leaf: Leaf, key: Uint8Array, pk: number, seq: number): number {
    let lo = 0;
    let hi = leaf.keys.length;
    while (lo < hi) {
      const m = (lo + hi) >>> 1;
      if (this.compareAt(leaf.keys[m]!, leaf.pfx[m]!, leaf.seqs[m]!, key, pk, seq) < 0) lo = m + 1;
      else hi = m;
    }
    return lo;
  }

  /**
   * The first entry >= (key, seq) in internal-key order: for a user key, the newest
   * version with seqno <= seq. Returns a position, possibly past the last entry.
   */
  lowerBound(key: Uint8Array, seq: number): TreePos {
    const pk = this.prefixOf(key);
    let node = this.root;
    while (!node.leaf) node = node.kids[this.childIndex(node, key, pk, seq)]!;
    let leaf = node;
    let index = this.lowerBoundInLeaf(leaf, key, pk, seq);
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

  /** Compares the entry at `pos` with (key, seq) in internal-key order. */
  compareEntry(pos: TreePos, key: Uint8Array, seq: number): number {
    const i = pos.index;
    const l = pos.leaf;
    return this.compareAt(l.keys[i]!, l.pfx[i]!, l.seqs[i]!, key, this.prefixOf(key), seq);
  }
}
