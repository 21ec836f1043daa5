// A model of the iterator contract for randomized tests: random entry sets, a model
// iterator over a sorted array, and a driver that applies the same random operations to
// an iterator under test and the model and compares every observable after each one.
// Promises: deterministic for a given Rng; a mismatch throws naming the operation and the
// last few before it.

import { ArrayIterator, compareEntries } from '../array-iterator.js';
import { bytewiseComparator, compareBytes } from '../comparator.js';
import { ValueType } from '../internal-key.js';
import type { Entry, InternalIterator } from '../iterator.js';
import { hex, type Rng } from './helpers.js';

/** Random distinct-internal-key entries, sorted; keys drawn from a small alphabet so prefixes repeat. */
export function randomEntries(rng: Rng, n: number, opts: { maxKeyLen?: number; maxValueLen?: number; versions?: number } = {}): Entry[] {
  const maxKeyLen = opts.maxKeyLen ?? 12;
  const maxValueLen = opts.maxValueLen ?? 40;
  const versions = opts.versions ?? 4;
  const seen = new Set<string>();
  const out: Entry[] = [];
  const types = [ValueType.Value, ValueType.Value, ValueType.Value, ValueType.Tombstone, ValueType.Merge, ValueType.Merge, ValueType.WeakTombstone, ValueType.Indirection];
  while (out.length < n) {
    const len = rng.int(maxKeyLen + 1);
    const key = new Uint8Array(len);
    for (let i = 0; i < len; i++) key[i] = 0x61 + rng.int(4) + (rng.bool(0.05) ? 0x80 : 0);
    const nv = 1 + rng.int(versions);
    for (let v = 0; v < nv && out.length < n; v++) {
      const seqno = rng.int(1000);
      const id = `${hex(key)}:${seqno}`;
      if (seen.has(id)) continue;
      seen.add(id);
      out.push({ userKey: key, seqno, type: rng.pick(types), value: rng.bytes(rng.int(maxValueLen + 1)) });
    }
  }
  out.sort((a, b) => compareEntries(bytewiseComparator, a, b));
  return out;
}

/** Model iterator over the entries that fall inside [lower, upper). */
export function modelIterator(sorted: readonly Entry[], lower?: Uint8Array, upper?: Uint8Array): ArrayIterator {
  return new ArrayIterator(
    sorted.filter((e) => (lower === undefined || compareBytes(e.userKey, lower) >= 0) && (upper === undefined || compareBytes(e.userKey, upper) < 0)),
  );
}

function snapshot(it: InternalIterator): string {
  if (!it.valid()) return 'invalid';
  return `${hex(it.userKey())}@${it.seqno()}:${it.type()}:${hex(it.value())}`;
}

/**
 * Applies `ops` random operations to both iterators and compares them after each.
 * `keys` are seek targets (both present and absent keys are good).
 */
export function compareIterators(rng: Rng, actual: InternalIterator, model: InternalIterator, keys: readonly Uint8Array[], ops: number): void {
  const log: string[] = [];
  for (let i = 0; i < ops; i++) {
    const op = rng.int(10);
    let desc: string;
    if (op === 0) {
      desc = 'seekToFirst';
      actual.seekToFirst();
      model.seekToFirst();
    } else if (op === 1) {
      desc = 'seekToLast';
      actual.seekToLast();
      model.seekToLast();
    } else if (op === 2 || op === 3) {
      const k = rng.pick(keys);
      const sq = rng.bool(0.5) ? undefined : rng.int(1100);
      desc = `seek(${hex(k)}, ${sq})`;
      actual.seek(k, sq);
      model.seek(k, sq);
    } else if (op === 4 || op === 5) {
      const k = rng.pick(keys);
      const sq = rng.bool(0.5) ? undefined : rng.int(1100);
      desc = `seekForPrev(${hex(k)}, ${sq})`;
      actual.seekForPrev(k, sq);
      model.seekForPrev(k, sq);
    } else if (op <= 7) {
      desc = 'next';
      if (!model.valid()) continue;
      actual.next();
      model.next();
    } else {
      desc = 'prev';
      if (!model.valid()) continue;
      actual.prev();
      model.prev();
    }
    log.push(desc);
    const a = snapshot(actual);
    const m = snapshot(model);
    if (a !== m) {
      throw new Error(`iterator mismatch after op ${i} (${desc}): got ${a}, want ${m}; recent ops: ${log.slice(-8).join(', ')}`);
    }
  }
}
