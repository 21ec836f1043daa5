// The memtable's sorted structure: a B+tree over internal keys (user key ascending by the
// comparator, then seqno descending), with leaves linked both ways for iteration.
// Chosen by measurement over a skiplist (see the engine README): node arrays keep
// comparisons and memory access local. With the bytewise comparator every entry caches its
// first 18 key bytes as three numbers (key-prefix.ts), so most comparisons never touch
// the key's bytes.
//
// Keys and values live in the tree's arena (arena.ts), each entry's key and value side
// by side; a node holds only numbers (prefixes, seqno, type, arena location, lengths), in
// one Float64Array per node. So a memtable of a million entries is a few thousand typed
// arrays whose memory the garbage collector never traces or copies, not millions of
// Uint8Array views (with views, GC took half the time of a write-only load, 2026-12-03)
// nor plain arrays (copied and promoted by the young-generation collector: 1M sequential
// inserts took 441 ms with them, 397 ms with typed arrays, 2026-12-04).
//
// Promises: entries are never removed or changed (a memtable only grows and is then
// flushed whole); no two entries share an internal key (an insert of one that exists
// throws LSM_CORRUPTION and adds nothing); `version` changes on every insert so
// iterators can detect that their leaf position may have moved and re-seek.

import { type Comparator, LsmError } from '@lsm/base';
import { Arena, type ArenaImage } from './arena.js';
import { PREFIX_BYTES, keyPrefix48 } from './key-prefix.js';

const MAX_LEAF = 64;
const MAX_INNER = 64;
/** lens[i] = key length * LEN_SHIFT + value length (key < 2^16, value < 2^32: exact in a double). */
export const LEN_SHIFT = 2 ** 32;

/**
 * Slots per node array: one more than a node holds, since a node splits only after an
 * insert has taken it past its maximum.
 */
const CAP = 65;
/** Per-entry fields of a node, each a CAP-long view of one Float64Array. */
const FIELDS = 7;

/**
 * What leaves and inner nodes share: `n` entries in parallel arrays, all views of one
 * Float64Array per node. A typed array's memory is outside the garbage-collected heap, so
 * the young-generation collector never copies it: with plain arrays, copying and promoting
 * the leaves took 72 of the 441 ms of 1M sequential inserts into memtables alone (40 ms
 * with typed arrays, 2026-12-04).
 */
interface NodeArrays {
  n: number;
  p1: Float64Array;
  p2: Float64Array;
  p3: Float64Array;
  seqs: Float64Array;
  /** Arena location of the entry's key (its value follows it). */
  locs: Float64Array;
  /** key length * 2^32 + value length. */
  lens: Float64Array;
  /** Value types (leaves; unused in inner nodes). */
  types: Float64Array;
}

/** A leaf: entries 0..n-1 in internal-key order. */
export interface Leaf extends NodeArrays {
  leaf: true;
  next: Leaf | null;
  prev: Leaf | null;
}

interface Inner extends NodeArrays {
  leaf: false;
  /** Entry i (its prefixes, seqno and key) is the first entry of kids[i + 1]; n + 1 kids. */
  kids: Node[];
}

type Node = Leaf | Inner;

interface Split {
  p1: number;
  p2: number;
  p3: number;
  seq: number;
  loc: number;
  len: number;
  node: Node;
}

/** Empty node arrays. */
function arrays(): NodeArrays {
  const f = new Float64Array(FIELDS * CAP);
  const at = (i: number): Float64Array => f.subarray(i * CAP, (i + 1) * CAP);
  return { n: 0, p1: at(0), p2: at(1), p3: at(2), seqs: at(3), locs: at(4), lens: at(5), types: at(6) };
}

function newLeaf(): Leaf {
  return { leaf: true, ...arrays(), next: null, prev: null };
}

function newInner(kids: Node[]): Inner {
  return { leaf: false, ...arrays(), kids };
}

/** Opens slot i of `a` (entries i..n-1 move up one). */
function openSlot(a: NodeArrays, i: number, n: number): void {
  if (i === n) return;
  a.p1.copyWithin(i + 1, i, n);
  a.p2.copyWithin(i + 1, i, n);
  a.p3.copyWithin(i + 1, i, n);
  a.seqs.copyWithin(i + 1, i, n);
  a.locs.copyWithin(i + 1, i, n);
  a.lens.copyWithin(i + 1, i, n);
  a.types.copyWithin(i + 1, i, n);
}

/** Moves entries from..n-1 of `a` to the start of the empty `b`; `a` keeps 0..from-1. */
function moveTail(a: NodeArrays, b: NodeArrays, from: number): void {
  const n = a.n;
  b.p1.set(a.p1.subarray(from, n));
  b.p2.set(a.p2.subarray(from, n));
  b.p3.set(a.p3.subarray(from, n));
  b.seqs.set(a.seqs.subarray(from, n));
  b.locs.set(a.locs.subarray(from, n));
  b.lens.set(a.lens.subarray(from, n));
  b.types.set(a.types.subarray(from, n));
  b.n = n - from;
  a.n = from;
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
  private readonly arena = new Arena();
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

  /** Entries in `leaf`. */
  static count(leaf: Leaf): number {
    return leaf.n;
  }

  /** The key of entry i of `leaf` (a view into the arena: valid as long as the memtable). */
  keyAt(leaf: Leaf, i: number): Uint8Array {
    return this.arena.view(leaf.locs[i]!, Math.floor(leaf.lens[i]! / LEN_SHIFT));
  }

  /** The value of entry i of `leaf` (a view into the arena). */
  valueAt(leaf: Leaf, i: number): Uint8Array {
    const len = leaf.lens[i]!;
    const klen = Math.floor(len / LEN_SHIFT);
    return this.arena.view(leaf.locs[i]! + klen, len - klen * LEN_SHIFT);
  }

  /** Whether entry i of `leaf` has user key `key`. */
  keyEquals(leaf: Leaf, i: number, key: Uint8Array): boolean {
    return this.compareKey(leaf.locs[i]!, Math.floor(leaf.lens[i]! / LEN_SHIFT), key, 0) === 0;
  }

  /**
   * keyEquals for the key of the last lowerBound(): its prefixes are still the target's,
   * so an entry whose prefixes differ (a miss, usually) is rejected without reading the
   * arena.
   */
  isLowerBoundKey(leaf: Leaf, i: number, key: Uint8Array): boolean {
    if (this.usePrefix && (leaf.p1[i] !== this.t1 || leaf.p2[i] !== this.t2 || leaf.p3[i] !== this.t3)) return false;
    return this.keyEquals(leaf, i, key);
  }

  /** Compares the arena key at (loc, klen) with `key`, from byte `from` (the bytes before are equal). */
  private compareKey(loc: number, klen: number, key: Uint8Array, from: number): number {
    if (!this.usePrefix) return this.cmp(this.arena.view(loc, klen), key);
    return this.arena.compare(loc, klen, key, from);
  }

  /** Compares entry m of `node` with the target (key, seq): <0 when the entry sorts first. */
  private compareAt(node: Leaf | Inner, m: number, key: Uint8Array, seq: number): number {
    let q = node.p1[m]!;
    if (q !== this.t1) return q < this.t1 ? -1 : 1;
    q = node.p2[m]!;
    if (q !== this.t2) return q < this.t2 ? -1 : 1;
    q = node.p3[m]!;
    if (q !== this.t3) return q < this.t3 ? -1 : 1;
    const klen = Math.floor(node.lens[m]! / LEN_SHIFT);
    const c = this.compareKey(node.locs[m]!, klen, key, klen >= PREFIX_BYTES && key.length >= PREFIX_BYTES ? PREFIX_BYTES : 0);
    if (c !== 0) return c;
    return seq - node.seqs[m]!;
  }

  /** Inserts an entry, copying its key and value into the arena. */
  insert(key: Uint8Array, seq: number, type: number, value: Uint8Array): void {
    this.setTarget(key);
    const loc = this.arena.put(key, value);
    const len = key.length * LEN_SHIFT + value.length;
    const last = this.last;
    const n = last.n;
    if (n > 0 && n < MAX_LEAF && this.compareAt(last, n - 1, key, seq) < 0) {
      // After every entry (a sequential load): it goes at the end of the last leaf, which
      // has room, so no descent and no split (separators are first keys of right nodes).
      this.putAt(last, n, seq, type, loc, len);
      this.size++;
      this.version++;
      return;
    }
    const split = this.insertInto(this.root, key, seq, type, loc, len);
    if (split !== null) {
      const root = newInner([this.root, split.node]);
      root.p1[0] = split.p1;
      root.p2[0] = split.p2;
      root.p3[0] = split.p3;
      root.seqs[0] = split.seq;
      root.locs[0] = split.loc;
      root.lens[0] = split.len;
      root.n = 1;
      this.root = root;
    }
    this.size++;
    this.version++;
  }

  /** The arena's buffers (where every entry's key and value are). */
  arenaImage(): ArenaImage {
    return this.arena.image();
  }

  /** Bytes the arena holds (keys and values, and the unused tail of its chunks). */
  get arenaBytes(): number {
    return this.arena.bytes;
  }

  /** Puts the target entry at slot i of `leaf` (moving i.. up). */
  private putAt(leaf: Leaf, i: number, seq: number, type: number, loc: number, len: number): void {
    const n = leaf.n;
    openSlot(leaf, i, n);
    leaf.p1[i] = this.t1;
    leaf.p2[i] = this.t2;
    leaf.p3[i] = this.t3;
    leaf.seqs[i] = seq;
    leaf.types[i] = type;
    leaf.locs[i] = loc;
    leaf.lens[i] = len;
    leaf.n = n + 1;
  }

  private insertInto(node: Node, key: Uint8Array, seq: number, type: number, loc: number, len: number): Split | null {
    if (node.leaf) {
      const i = this.lowerBoundInLeaf(node, key, seq);
      const n = node.n;
      if (i < n && node.seqs[i] === seq && this.compareAt(node, i, key, seq) === 0) {
        // A batch holds one operation per key (write/batch-normalize.ts): two would share one internal key.
        throw new LsmError('LSM_CORRUPTION', `two entries for one key at seqno ${seq} (a write batch holds the key twice)`);
      }
      this.putAt(node, i, seq, type, loc, len);
      if (n + 1 <= MAX_LEAF) return null;
      // Appending in order (sequential keys) leaves full left leaves behind: split near the
      // end then, as B-trees for bulk loads do, so leaves stay nearly full.
      const h = i === n ? n : (n + 1) >>> 1;
      const right = newLeaf();
      moveTail(node, right, h);
      right.next = node.next;
      right.prev = node;
      if (node.next !== null) node.next.prev = right;
      else this.last = right;
      node.next = right;
      return { p1: right.p1[0]!, p2: right.p2[0]!, p3: right.p3[0]!, seq: right.seqs[0]!, loc: right.locs[0]!, len: right.lens[0]!, node: right };
    }
    const c = this.childIndex(node, key, seq);
    const s = this.insertInto(node.kids[c]!, key, seq, type, loc, len);
    if (s === null) return null;
    const n = node.n;
    openSlot(node, c, n);
    node.p1[c] = s.p1;
    node.p2[c] = s.p2;
    node.p3[c] = s.p3;
    node.seqs[c] = s.seq;
    node.locs[c] = s.loc;
    node.lens[c] = s.len;
    node.kids.splice(c + 1, 0, s.node);
    node.n = n + 1;
    if (n + 1 <= MAX_INNER) return null;
    // Entry h moves up; h+1.. go right with kids h+1...
    const h = (n + 1) >>> 1;
    const up: Split = { p1: node.p1[h]!, p2: node.p2[h]!, p3: node.p3[h]!, seq: node.seqs[h]!, loc: node.locs[h]!, len: node.lens[h]!, node };
    const right = newInner(node.kids.splice(h + 1));
    moveTail(node, right, h + 1);
    node.n = h;
    up.node = right;
    return up;
  }

  /** Index of the child of `node` whose range holds the first entry >= target. */
  private childIndex(node: Inner, key: Uint8Array, seq: number): number {
    let lo = 0;
    let hi = node.n;
    while (lo < hi) {
      const m = (lo + hi) >>> 1;
      if (this.compareAt(node, m, key, seq) <= 0) lo = m + 1;
      else hi = m;
    }
    return lo;
  }

  private lowerBoundInLeaf(leaf: Leaf, key: Uint8Array, seq: number): number {
    let lo = 0;
    let hi = leaf.n;
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
    if (index === leaf.n && leaf.next !== null) {
      leaf = leaf.next;
      index = 0;
    }
    return { leaf, index };
  }

  /**
   * About how many entries sort before (key, seq), in O(log n) without visiting them:
   * the path to (key, seq) read as a fraction, each child of a node taken to hold an equal
   * share of its entries (nodes hold between half and all of their capacity, so the
   * error stays within a factor of about two on any part of the tree). Monotone in (key,
   * seq); 0 before every entry and `size` after the last.
   */
  approximateRank(key: Uint8Array, seq: number): number {
    if (this.size === 0) return 0;
    this.setTarget(key);
    let node = this.root;
    let at = 0;
    let share = 1;
    while (!node.leaf) {
      const kids = node.kids.length;
      const c = this.childIndex(node, key, seq);
      at += (share * c) / kids;
      share /= kids;
      node = node.kids[c]!;
    }
    const n = node.n;
    if (n > 0) at += (share * this.lowerBoundInLeaf(node, key, seq)) / n;
    return Math.min(this.size, at * this.size);
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
    while (leaf !== null && leaf.n === 0) leaf = leaf.prev;
    return leaf === null ? null : { leaf, index: leaf.n - 1 };
  }
}
