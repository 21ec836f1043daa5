// The options of reads and scans, and their validation: which seqno a read sees, and the
// byte bounds of a scan. Every contradiction or bad value is LSM_INVALID_ARGUMENT naming
// the option.

import { InvalidArgumentError, copyOf, prefixSuccessor, shownValue } from '@lsm/base';
import { type Bytes, toKey } from '../coerce.js';
import { Snapshot } from '../snapshot.js';
import type { IterBounds } from './db-iterator.js';

/** Options of a point read. */
export interface ReadOptions {
  /** Read as of this snapshot. */
  snapshot?: Snapshot;
  /** Read as of this seqno (must not exceed the current one). */
  seqno?: number;
}

/** Options of range() and prefix(). */
export interface RangeOptions extends ReadOptions {
  gt?: Bytes;
  gte?: Bytes;
  lt?: Bytes;
  lte?: Bytes;
  /** Iterate from the largest key down. */
  reverse?: boolean;
  /** Yield at most this many entries. */
  limit?: number;
}

/** The seqno a read with `opts` sees, when the newest write is `last`. */
export function readSeqno(opts: ReadOptions | undefined, last: number): number {
  if (opts === undefined) return last;
  if (typeof opts !== 'object' || opts === null) throw new InvalidArgumentError('read options must be an object');
  if (opts.snapshot !== undefined) {
    if (!(opts.snapshot instanceof Snapshot)) throw new InvalidArgumentError('option snapshot must be a Snapshot of this tree');
    opts.snapshot.check();
    return opts.snapshot.seqno;
  }
  if (opts.seqno !== undefined) {
    if (!Number.isSafeInteger(opts.seqno) || opts.seqno < 0) {
      throw new InvalidArgumentError(`option seqno must be a safe integer >= 0, got ${shownValue(opts.seqno)}`);
    }
    return Math.min(opts.seqno, last);
  }
  return last;
}

/** A range's bounds as bytes: at most one lower (gt or gte) and one upper (lt or lte). */
export interface KeyBounds {
  lower: Uint8Array | undefined;
  lowerInclusive: boolean;
  upper: Uint8Array | undefined;
  upperInclusive: boolean;
}

/** Turns gt/gte/lt/lte into byte bounds; both of a pair is LSM_INVALID_ARGUMENT, as is a bad key. */
export function keyBounds(r: { gt?: Bytes; gte?: Bytes; lt?: Bytes; lte?: Bytes }): KeyBounds {
  if (r.gt !== undefined && r.gte !== undefined) throw new InvalidArgumentError('give gt or gte, not both');
  if (r.lt !== undefined && r.lte !== undefined) throw new InvalidArgumentError('give lt or lte, not both');
  const b: KeyBounds = { lower: undefined, lowerInclusive: true, upper: undefined, upperInclusive: false };
  if (r.gte !== undefined) b.lower = toKey(r.gte, 'gte');
  if (r.gt !== undefined) {
    b.lower = toKey(r.gt, 'gt');
    b.lowerInclusive = false;
  }
  if (r.lt !== undefined) b.upper = toKey(r.lt, 'lt');
  if (r.lte !== undefined) {
    b.upper = toKey(r.lte, 'lte');
    b.upperInclusive = true;
  }
  return b;
}

/** Turns gt/gte/lt/lte/reverse/limit into byte bounds, rejecting contradictions. */
export function resolveBounds(opts: RangeOptions | undefined, prefix: Uint8Array | undefined): IterBounds {
  const o = opts ?? {};
  if (typeof o !== 'object' || o === null) throw new InvalidArgumentError('range options must be an object');
  const kb = keyBounds(o);
  let limit = Number.POSITIVE_INFINITY;
  if (o.limit !== undefined && o.limit !== Number.POSITIVE_INFINITY) {
    if (!Number.isInteger(o.limit) || o.limit < 0) throw new InvalidArgumentError(`option limit must be an integer >= 0, got ${shownValue(o.limit)}`);
    limit = o.limit;
  }
  if (o.reverse !== undefined && typeof o.reverse !== 'boolean') throw new InvalidArgumentError('option reverse must be a boolean');
  const bounds: IterBounds = { lowerInclusive: kb.lowerInclusive, upperInclusive: kb.upperInclusive, reverse: o.reverse === true, limit };
  // An iterator reads its bounds until it ends: copies, so a caller may reuse its buffers.
  if (kb.lower !== undefined) bounds.lower = copyOf(kb.lower);
  if (kb.upper !== undefined) bounds.upper = copyOf(kb.upper);
  if (prefix !== undefined) {
    const p = copyOf(prefix);
    bounds.prefix = p;
    if (bounds.lower === undefined) bounds.lower = p;
    if (bounds.upper === undefined) {
      // The smallest key above every key with the prefix (bytewise), when one exists.
      const succ = prefixSuccessor(p);
      if (succ !== undefined) bounds.upper = succ;
    }
  }
  return bounds;
}

