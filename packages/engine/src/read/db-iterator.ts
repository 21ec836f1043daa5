// The user-facing iterator: turns the merged stream of internal entries (every version
// of every key, from memtables and tables) into the store's contents as of one seqno:
// for each user key, the newest version at or below that seqno, skipped when it is a
// deletion or older than a range tombstone covering the key, merge operands folded onto
// their base. Forward and reverse, with bounds and a limit. It copies each key and value
// it yields, so callers may keep them; its resources (a pinned version, open tables)
// are released when it ends, when the loop breaks, or by close().

import type { MergeOperator } from '@lsm/compaction';
import type { Comparator, FragmentedRangeTombstones, InternalIterator } from '@lsm/base';
import { copyBytes } from '../memtable/byte-slab.js';
import { ClosedError } from '../errors.js';
import { type BlobReader, OldestFirstFold, VersionChain } from './version-chain.js';

/** Bounds and direction of one iteration, resolved to bytes. */
export interface IterBounds {
  lower?: Uint8Array;
  lowerInclusive: boolean;
  upper?: Uint8Array;
  upperInclusive: boolean;
  /** Stop at the first key without this prefix (prefix scans). */
  prefix?: Uint8Array;
  reverse: boolean;
  limit: number;
}

function startsWith(key: Uint8Array, prefix: Uint8Array): boolean {
  if (key.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (key[i] !== prefix[i]) return false;
  return true;
}

/** Yields `[key, value]` pairs; an IterableIterator usable in for..of. */
export class DbIterator implements IterableIterator<[Uint8Array, Uint8Array]> {
  private started = false;
  private done = false;
  private emitted = 0;
  private released = false;
  private readonly chain: VersionChain;
  private readonly fold: OldestFirstFold;

  constructor(
    private readonly it: InternalIterator,
    private readonly cmp: Comparator,
    private readonly readSeqno: number,
    private readonly bounds: IterBounds,
    /** Releases what the iteration pinned (called exactly once). */
    private readonly onRelease: () => void,
    private readonly isTreeClosed: () => boolean,
    /** Every range tombstone of the iterated sources. */
    private readonly tombstones: FragmentedRangeTombstones,
    mergeOperator: MergeOperator | undefined,
    /** Reads blob pointers' values (K/V separation); undefined when the store has none. */
    readBlob?: BlobReader,
  ) {
    this.chain = new VersionChain(mergeOperator, readBlob);
    this.fold = new OldestFirstFold(mergeOperator, readBlob);
  }

  private coveringSeqno(key: Uint8Array): number {
    return this.tombstones.isEmpty ? -1 : this.tombstones.maxCoveringSeqno(key, this.readSeqno);
  }

  [Symbol.iterator](): this {
    return this;
  }

  next(): IteratorResult<[Uint8Array, Uint8Array]> {
    if (this.done) return { done: true, value: undefined };
    if (this.isTreeClosed()) {
      this.finish();
      throw new ClosedError('tree');
    }
    if (this.emitted >= this.bounds.limit) {
      this.finish();
      return { done: true, value: undefined };
    }
    try {
      const entry = this.bounds.reverse ? this.stepReverse() : this.stepForward();
      if (entry === null) {
        this.finish();
        return { done: true, value: undefined };
      }
      this.emitted++;
      return { done: false, value: entry };
    } catch (err) {
      this.finish();
      throw err;
    }
  }

  /** Ends the iteration early and releases its resources (for..of calls this on break). */
  return(): IteratorResult<[Uint8Array, Uint8Array]> {
    this.finish();
    return { done: true, value: undefined };
  }

  /** Same as return(): releases the iteration's resources. Idempotent. */
  close(): void {
    this.finish();
  }

  private finish(): void {
    this.done = true;
    if (this.released) return;
    this.released = true;
    try {
      this.it.close();
    } finally {
      this.onRelease();
    }
  }

  private aboveUpper(key: Uint8Array): boolean {
    const b = this.bounds;
    if (b.upper !== undefined) {
      const c = this.cmp.compare(key, b.upper);
      if (c > 0 || (c === 0 && !b.upperInclusive)) return true;
    }
    return b.prefix !== undefined && !startsWith(key, b.prefix);
  }

  private belowLower(key: Uint8Array): boolean {
    const b = this.bounds;
    if (b.lower !== undefined) {
      const c = this.cmp.compare(key, b.lower);
      if (c < 0 || (c === 0 && !b.lowerInclusive)) return true;
    }
    return b.prefix !== undefined && !startsWith(key, b.prefix);
  }

  private stepForward(): [Uint8Array, Uint8Array] | null {
    const it = this.it;
    const b = this.bounds;
    if (!this.started) {
      this.started = true;
      if (b.lower !== undefined) {
        // Exclusive lower bound: skip every version of the bound itself (seqno 0 is the oldest).
        if (b.lowerInclusive) it.seek(b.lower);
        else {
          it.seek(b.lower, 0);
          if (it.valid() && this.cmp.compare(it.userKey(), b.lower) === 0) it.next();
        }
      } else it.seekToFirst();
    }
    const chain = this.chain;
    while (it.valid()) {
      const key = it.userKey();
      if (this.aboveUpper(key)) return null;
      if (it.seqno() > this.readSeqno) {
        it.next();
        continue;
      }
      const k = copyBytes(key);
      chain.reset(k, this.coveringSeqno(k));
      // Newest visible version first; operands send the chain on to older versions. A
      // version under the covering tombstone is not read (its value may be a blob).
      for (;;) {
        const s = it.seqno();
        if (s < chain.tomb ? chain.hiddenBelow() : chain.push(it.type(), s, it.value())) break;
        it.next();
        if (!it.valid() || this.cmp.compare(it.userKey(), k) !== 0) break;
      }
      const value = chain.end();
      // Skip the older versions of this key.
      while (it.valid() && this.cmp.compare(it.userKey(), k) === 0) it.next();
      if (value !== undefined) return [k, value];
    }
    return null;
  }

  private stepReverse(): [Uint8Array, Uint8Array] | null {
    const it = this.it;
    const b = this.bounds;
    if (!this.started) {
      this.started = true;
      if (b.upper !== undefined) {
        if (b.upperInclusive) it.seekForPrev(b.upper, 0);
        else {
          it.seekForPrev(b.upper, Number.MAX_SAFE_INTEGER);
          // An entry of the bound itself with seqno MAX_SAFE_INTEGER cannot exist, but be exact.
          while (it.valid() && this.cmp.compare(it.userKey(), b.upper) === 0) it.prev();
        }
      } else it.seekToLast();
    }
    const fold = this.fold;
    while (it.valid()) {
      const k = copyBytes(it.userKey());
      if (this.belowLower(k)) return null;
      const tomb = this.coveringSeqno(k);
      // Walk this key's versions from oldest to newest, folding the visible ones.
      fold.reset();
      while (it.valid() && this.cmp.compare(it.userKey(), k) === 0) {
        if (it.seqno() <= this.readSeqno) fold.push(it.type(), it.seqno(), it.value(), tomb);
        it.prev();
      }
      const value = fold.finish(k);
      if (value !== undefined) return [k, value];
    }
    return null;
  }
}
