// The iterator contract shared by table iterators, the memtable (in the engine), and the
// merging iterator (LevelDB style). See README "Iterator contract".
//
// - Entries are internal entries ordered by user key ascending (comparator), then seqno
//   descending. Every version of a key is visible; interpreting them is the caller's job.
// - A new iterator is unpositioned (valid() === false) until a seek.
// - seek(k, s) lands on the first entry >= (k, s): user key > k, or user key == k with
//   seqno <= s. s defaults to MAX_SEQNO, i.e. the newest version of the first key >= k.
// - seekForPrev(k, s) lands on the last entry <= (k, s): user key < k, or user key == k
//   with seqno >= s. s defaults to 0, i.e. the oldest version of the last key <= k.
// - next()/prev() require valid(); moving off either end makes valid() false.
// - userKey()/value() return views valid until the next move or close (do not keep them,
//   copy if needed); seqno()/type() are plain numbers. Accessors require valid().
// - Errors (corruption, I/O) are thrown by the move that met them; the iterator is then
//   invalid and may be re-seeked.
// - close() releases resources; any use after close throws LSM_CLOSED. Closing twice is fine.

import type { ValueType } from './internal-key.js';

/** A positioned cursor over internal entries. */
export interface InternalIterator {
  valid(): boolean;
  seekToFirst(): void;
  seekToLast(): void;
  /** First entry >= (userKey, seqno); seqno defaults to MAX_SEQNO. */
  seek(userKey: Uint8Array, seqno?: number): void;
  /** Last entry <= (userKey, seqno); seqno defaults to 0. */
  seekForPrev(userKey: Uint8Array, seqno?: number): void;
  next(): void;
  prev(): void;
  userKey(): Uint8Array;
  seqno(): number;
  type(): ValueType;
  value(): Uint8Array;
  close(): void;
}

/** One internal entry, materialized. */
export interface Entry {
  readonly userKey: Uint8Array;
  readonly seqno: number;
  readonly type: ValueType;
  readonly value: Uint8Array;
}
