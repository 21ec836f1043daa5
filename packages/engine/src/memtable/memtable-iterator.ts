// Iterates a memtable in internal-key order, both ways, with seeks. The memtable may grow
// while an iterator is open: entries are never removed or moved between keys, but an
// insert can shift positions inside a leaf or split it, so the iterator remembers the
// entry it is on and re-finds it when the tree's version changed since its last move.

import { InvalidArgumentError, type InternalIterator, type ValueType } from '@lsm/base';
import { ClosedError } from '../errors.js';
import { type Leaf, MemtableTree } from './memtable-tree.js';

/** A LevelDB-style iterator over a memtable; views stay valid (entries are immutable). */
export class MemtableIterator implements InternalIterator {
  private leaf: Leaf | null = null;
  private index = 0;
  private seenVersion = -1;
  private closed = false;
  /** The entry we are on, remembered when positioned: after an insert the index may not point at it. */
  private curKey: Uint8Array | null = null;
  private curSeq = 0;

  constructor(private readonly tree: MemtableTree) {}

  valid(): boolean {
    this.live();
    return this.leaf !== null;
  }

  private live(): void {
    if (this.closed) throw new ClosedError('memtable iterator');
  }

  /** Throws unless positioned (the contract: accessors and moves require valid()). */
  private current(): Leaf {
    this.live();
    this.refresh();
    if (this.leaf === null) throw new InvalidArgumentError('memtable iterator is not positioned on an entry');
    return this.leaf;
  }

  private set(leaf: Leaf | null, index: number): void {
    // Normalise "past the end of a leaf" to the next non-empty leaf, or invalid.
    while (leaf !== null && index >= MemtableTree.count(leaf)) {
      leaf = leaf.next;
      index = 0;
    }
    this.leaf = leaf;
    this.index = index;
    this.seenVersion = this.tree.version;
    if (leaf !== null) {
      this.curKey = this.tree.keyAt(leaf, index);
      this.curSeq = leaf.seqs[index]!;
    } else this.curKey = null;
  }

  /** Re-finds the current entry when inserts may have moved it. */
  private refresh(): void {
    if (this.leaf === null || this.seenVersion === this.tree.version) return;
    // Entries are never removed, so the remembered entry is still there: find it again.
    const pos = this.tree.lowerBound(this.curKey!, this.curSeq);
    this.set(pos.leaf, pos.index);
  }

  seekToFirst(): void {
    this.live();
    this.set(this.tree.first, 0);
  }

  seekToLast(): void {
    this.live();
    let leaf: Leaf | null = this.tree.last;
    while (leaf !== null && MemtableTree.count(leaf) === 0) leaf = leaf.prev;
    if (leaf === null) this.set(null, 0);
    else this.set(leaf, MemtableTree.count(leaf) - 1);
  }

  /** First entry >= (userKey, seqno); seqno defaults to the largest, i.e. the newest version. */
  seek(userKey: Uint8Array, seqno = Number.MAX_SAFE_INTEGER): void {
    this.live();
    const pos = this.tree.lowerBound(userKey, seqno);
    this.set(pos.leaf, pos.index);
  }

  /** Last entry <= (userKey, seqno); seqno defaults to 0, i.e. the oldest version of userKey. */
  seekForPrev(userKey: Uint8Array, seqno = 0): void {
    this.live();
    const pos = this.tree.upperBoundPrev(userKey, seqno);
    if (pos === null) this.set(null, 0);
    else this.set(pos.leaf, pos.index);
  }

  next(): void {
    const leaf = this.current();
    this.set(leaf, this.index + 1);
  }

  prev(): void {
    const leaf = this.current();
    const p = this.tree.prevOf({ leaf, index: this.index });
    if (p === null) this.set(null, 0);
    else this.set(p.leaf, p.index);
  }

  userKey(): Uint8Array {
    this.current();
    return this.curKey!;
  }

  seqno(): number {
    return this.current().seqs[this.index]!;
  }

  type(): ValueType {
    return this.current().types[this.index] as ValueType;
  }

  value(): Uint8Array {
    return this.tree.valueAt(this.current(), this.index);
  }

  close(): void {
    this.leaf = null;
    this.closed = true;
  }
}
