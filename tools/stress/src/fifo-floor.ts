// The FIFO watermark. FIFO compaction never merges: it drops the oldest tables whole, and
// since flushed tables hold disjoint, increasing seqno ranges, what remains is exactly the
// writes above some seqno W (the watermark): reads must equal the oracle's answers built
// from the writes with seqno > W. W is not visible through the store's API, so it is
// inferred: the lowest W >= the previous one (drops are never undone: a drop is a durable
// manifest edit) under which every key of a full scan shows the oracle's value. For one key
// the oracle's value is a step function of W that changes only at the seqnos of the key's
// own writes, so the W's that explain a key are a union of intervals, computed exactly, and
// the W's that explain the store are their intersection. If it is empty, no FIFO drop can
// explain the store: a failure.

import { type Oracle, sameValue } from './oracle.js';

/** Sorted disjoint closed intervals of seqnos. */
type Intervals = [number, number][];

function intersect(a: Intervals, b: Intervals): Intervals {
  const out: Intervals = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const lo = Math.max(a[i]![0], b[j]![0]);
    const hi = Math.min(a[i]![1], b[j]![1]);
    if (lo <= hi) out.push([lo, hi]);
    if (a[i]![1] < b[j]![1]) i++;
    else j++;
  }
  return out;
}

/** The W's in [from, top] under which `key` reads as `got` at `seq` (W >= seq: nothing is left). */
function floorsFor(oracle: Oracle, key: string, got: Uint8Array | undefined, seq: number, from: number, top: number): Intervals {
  const cuts = oracle.seqsOf(key).filter((s) => s > from && s <= seq);
  const starts = [from, ...new Set(cuts)];
  const out: Intervals = [];
  starts.forEach((lo, i) => {
    const hi = i + 1 < starts.length ? starts[i + 1]! - 1 : top;
    if (lo > hi) return;
    if (sameValue(oracle.valueWith(key, seq, new Set(), lo), got)) {
      const last = out[out.length - 1];
      if (last !== undefined && last[1] === lo - 1) last[1] = hi;
      else out.push([lo, hi]);
    }
  });
  return out;
}

/** One full view of the store: every visible pair as of `seq` (the current state, or a snapshot's). */
export interface View {
  observed: ReadonlyMap<string, Uint8Array>;
  seq: number;
}

/**
 * The lowest watermark W >= `from` under which the oracle's reads give exactly every view
 * (the current state and each live snapshot's: a snapshot can show that older writes are
 * gone where newer writes hide it from the current state), ignoring the keys in `skip`
 * (whose values failed writes may explain); undefined when none does.
 */
export function lowestFloor(oracle: Oracle, views: readonly View[], from: number, skip: ReadonlySet<string> = new Set()): number | undefined {
  const top = Math.max(from, ...views.map((x) => x.seq));
  const keysOf = (x: View): Set<string> => new Set([...oracle.keys, ...x.observed.keys()]);
  const fits = views.every((x) => {
    for (const k of keysOf(x)) if (!skip.has(k) && !sameValue(oracle.valueWith(k, x.seq, new Set(), from), x.observed.get(k))) return false;
    return true;
  });
  if (fits) return from;
  let allowed: Intervals = [[from, top]];
  for (const x of views) {
    for (const k of keysOf(x)) {
      if (skip.has(k)) continue;
      allowed = intersect(allowed, floorsFor(oracle, k, x.observed.get(k), x.seq, from, top));
      if (allowed.length === 0) return undefined;
    }
  }
  return allowed[0]![0];
}
