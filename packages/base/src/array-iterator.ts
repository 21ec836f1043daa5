// An InternalIterator over an in-memory array of entries: for tests, models, and small
// sources (a write batch, a sorted run of range-tombstone fragments). The array is sorted
// once on construction with the comparator.

import { bytewiseComparator, type Comparator } from './comparator.js';
import { closedError, InvalidArgumentError } from './errors.js';
import { MAX_SEQNO } from './internal-key.js';
import type { Entry, InternalIterator } from './iterator.js';
import type { ValueType } from './internal-key.js';

/** Compares two entries in internal-key order. */
export function compareEntries(cmp: Comparator, a: Entry, b: Entry): number {
  return cmp.compare(a.userKey, b.userKey) || b.seqno - a.seqno;
}

export class ArrayIterator implements InternalIterator {
  private readonly entries: Entry[];
  private pos = -1;
  private closed = false;

  constructor(
    entries: readonly Entry[],
    private readonly cmp: Comparator = bytewiseComparator,
  ) {
    this.entries = [...entries].sort((a, b) => compareEntries(cmp, a, b));
  }

  valid(): boolean {
    this.check();
    return this.pos >= 0 && this.pos < this.entries.length;
  }
  seekToFirst(): void {
    this.check();
    this.pos = this.entries.length > 0 ? 0 : -1;
  }
  seekToLast(): void {
    this.check();
    this.pos = this.entries.length - 1;
  }
  seek(userKey: Uint8Array, seqno = MAX_SEQNO): void {
    this.check();
    // First index whose entry >= target.
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const e = this.entries[mid]!;
      const c = this.cmp.compare(e.userKey, userKey) || seqno - e.seqno;
      if (c < 0) lo = mid + 1;
      else hi = mid;
    }
    this.pos = lo < this.entries.length ? lo : -1;
  }
  seekForPrev(userKey: Uint8Array, seqno = 0): void {
    this.check();
    // Last index whose entry <= target.
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const e = this.entries[mid]!;
      const c = this.cmp.compare(e.userKey, userKey) || seqno - e.seqno;
      if (c <= 0) lo = mid + 1;
      else hi = mid;
    }
    this.pos = lo - 1;
  }
  next(): void {
    this.check();
    if (this.pos >= 0) this.pos = this.pos + 1 < this.entries.length ? this.pos + 1 : -1;
  }
  prev(): void {
    this.check();
    if (this.pos >= 0) this.pos--;
  }
  userKey(): Uint8Array {
    return this.current().userKey;
  }
  seqno(): number {
    return this.current().seqno;
  }
  type(): ValueType {
    return this.current().type;
  }
  value(): Uint8Array {
    return this.current().value;
  }
  close(): void {
    this.closed = true;
  }

  private current(): Entry {
    this.check();
    const e = this.entries[this.pos];
    if (e === undefined) throw new InvalidArgumentError('iterator is not positioned on an entry');
    return e;
  }

  private check(): void {
    if (this.closed) throw closedError('iterator');
  }
}
