// The options of reads and scans, and their validation: which seqno a read sees, and the
// byte bounds of a scan. Every contradiction or bad value is LSM_INVALID_ARGUMENT naming
// the option.

import { InvalidArgumentError, prefixSuccessor } from '@lsm/base';
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
      throw new InvalidArgumentError(`option seqno must be a safe integer >= 0, got ${String(opts.seqno)}`);
    }
    return Math.min(opts.seqno, last);
  }
  return last;
}

/** Turns gt/gte/lt/lte/reverse/limit into byte bounds, rejecting contradictions. */
export function resolveBounds(opts: RangeOptions | undefined, prefix: Uint8Array | undefined): IterBounds {
  const o = opts ?? {};
  if (typeof o !== 'object' || o === null) throw new InvalidArgumentError('range options must be an object');
  if (o.gt !== undefined && o.gte !== undefined) throw new InvalidArgumentError('give gt or gte, not both');
  if (o.lt !== undefined && o.lte !== undefined) throw new InvalidArgumentError('give lt or lte, not both');
  let limit = Number.POSITIVE_INFINITY;
  if (o.limit !== undefined && o.limit !== Number.POSITIVE_INFINITY) {
    if (!Number.isInteger(o.limit) || o.limit < 0) throw new InvalidArgumentError(`option limit must be an integer >= 0, got ${String(o.limit)}`);
    limit = o.limit;
  }
  if (o.reverse !== undefined && typeof o.reverse !== 'boolean') throw new InvalidArgumentError('option reverse must be a boolean');
  const bounds: IterBounds = { lowerInclusive: true, upperInclusive: false, reverse: o.reverse === true, limit };
  if (o.gte !== undefined) bounds.lower = toKey(o.gte, 'gte');
  if (o.gt !== undefined) {
    bounds.lower = toKey(o.gt, 'gt');
    bounds.lowerInclusive = false;
  }
  if (o.lt !== undefined) bounds.upper = toKey(o.lt, 'lt');
  if (o.lte !== undefined) {
    bounds.upper = toKey(o.lte, 'lte');
    bounds.upperInclusive = true;
  }
  if (prefix !== undefined) {
    bounds.prefix = prefix;
    if (bounds.lower === undefined) bounds.lower = prefix;
    if (bounds.upper === undefined) {
      // The smallest key above every key with the prefix (bytewise), when one exists.
      const succ = prefixSuccessor(prefix);
      if (succ !== undefined) bounds.upper = succ;
    }
  }
  return bounds;
}

