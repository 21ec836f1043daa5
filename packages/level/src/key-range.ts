// The range of an iterator or clear(), resolved once: abstract-level's gt/gte/lt/lte
// (gte and lte take precedence over gt and lt, as abstract-level specifies, where the
// engine would reject both) as at most one lower and one upper bound in bytes, and the
// bounds after a seek. Keys compare bytewise: abstract-level promises lexicographic byte
// order, and LsmLevel opens the engine with its bytewise comparator only.

import { type RangeOptions, bytewiseComparator } from '@lsm/engine';
import { type Encoded, toBytes } from './output-format.js';

/** One end of a range. */
export interface Bound {
  key: Uint8Array;
  inclusive: boolean;
}

/** A key range: absent ends are open. */
export interface KeyRange {
  lower?: Bound;
  upper?: Bound;
}

/** The range options abstract-level passes to private methods (already encoded). */
export interface EncodedRangeOptions {
  gt?: Encoded;
  gte?: Encoded;
  lt?: Encoded;
  lte?: Encoded;
}

/** Resolves gt/gte/lt/lte into bounds, gte and lte taking precedence. */
export function resolveRange(o: EncodedRangeOptions): KeyRange {
  const range: KeyRange = {};
  if (o.gte !== undefined) range.lower = { key: toBytes(o.gte), inclusive: true };
  else if (o.gt !== undefined) range.lower = { key: toBytes(o.gt), inclusive: false };
  if (o.lte !== undefined) range.upper = { key: toBytes(o.lte), inclusive: true };
  else if (o.lt !== undefined) range.upper = { key: toBytes(o.lt), inclusive: false };
  return range;
}

/** The engine's range options for `range` (without direction or limit). */
export function engineRange(range: KeyRange): RangeOptions {
  const out: RangeOptions = {};
  if (range.lower !== undefined) {
    if (range.lower.inclusive) out.gte = range.lower.key;
    else out.gt = range.lower.key;
  }
  if (range.upper !== undefined) {
    if (range.upper.inclusive) out.lte = range.upper.key;
    else out.lt = range.upper.key;
  }
  return out;
}

/** True when `key` lies within `range`. */
export function inRange(range: KeyRange, key: Uint8Array): boolean {
  const cmp = bytewiseComparator.compare;
  const { lower, upper } = range;
  if (lower !== undefined) {
    const c = cmp(key, lower.key);
    if (c < 0 || (c === 0 && !lower.inclusive)) return false;
  }
  if (upper !== undefined) {
    const c = cmp(key, upper.key);
    if (c > 0 || (c === 0 && !upper.inclusive)) return false;
  }
  return true;
}

/**
 * The range left to read after seeking to `target`: keys >= target (forward) or
 * <= target (reverse) within the original range; null (nothing left) when the target
 * is outside the range, where abstract-level says the iterator reaches its natural end.
 */
export function seekRange(range: KeyRange, target: Uint8Array, reverse: boolean): KeyRange | null {
  if (!inRange(range, target)) return null;
  const at: Bound = { key: target, inclusive: true };
  return reverse ? { lower: range.lower, upper: at } : { lower: at, upper: range.upper };
}
