// clear(): deletes the keys of a range as of one snapshot, in reverse order and up to a
// limit if asked, committing deletions in batches of CLEAR_BATCH so memory stays bounded.
// Not atomic across a crash (abstract-level does not require it): a crash mid-way leaves
// a prefix of the range deleted. Writes made after clear() started are not touched,
// because the keys come from the snapshot.
//
// A clear without a limit and without an explicit snapshot is one engine batch holding
// one range deletion (plus a point deletion where a bound cannot be expressed as an
// exclusive end): O(1) writes, atomic, whatever the number of keys. A clear with a limit
// (which must count keys) or an explicit snapshot (a range tombstone would also delete
// keys written after the snapshot) keeps the per-key path.

import { type Snapshot, type Tree, bytewiseComparator } from '@lsm/engine';
import { engineCall } from './errors.js';
import { type KeyRange, engineRange } from './key-range.js';

/** Deletions committed per engine batch. */
export const CLEAR_BATCH = 1000;

/** What to clear. */
export interface ClearSpec {
  range: KeyRange;
  reverse: boolean;
  /** At most this many keys; -1 for no limit. */
  limit: number;
  /** Read the keys to delete as of this snapshot (default: a snapshot taken now). */
  snapshot?: Snapshot;
}

/** The largest key the engine accepts (65,535 bytes of 0xff): nothing sorts after it. */
const MAX_KEY_LENGTH = 65535;
let maxKey: Uint8Array | undefined;

/** The smallest key after `key` in bytewise order (key + 0x00), or undefined past the length limit. */
function successor(key: Uint8Array): Uint8Array | undefined {
  if (key.length >= MAX_KEY_LENGTH) return undefined;
  const out = new Uint8Array(key.length + 1);
  out.set(key);
  return out;
}

/**
 * Deletes the whole range with one range deletion in one atomic batch. False (nothing
 * done) when the lower bound is an exclusive maximal-length key, whose successor the
 * engine cannot hold: the caller then clears key by key.
 */
function clearWithRangeDeletion(tree: Tree, range: KeyRange): boolean {
  const batch = tree.batch();
  let start: Uint8Array = new Uint8Array(0);
  if (range.lower !== undefined) {
    if (range.lower.inclusive) start = range.lower.key;
    else {
      const s = successor(range.lower.key);
      if (s === undefined) return false;
      start = s;
    }
  }
  let end: Uint8Array;
  let alsoDelete: Uint8Array | undefined;
  if (range.upper === undefined) {
    end = maxKey ??= new Uint8Array(MAX_KEY_LENGTH).fill(0xff);
    alsoDelete = end;
  } else if (!range.upper.inclusive) end = range.upper.key;
  else {
    const s = successor(range.upper.key);
    if (s !== undefined) end = s;
    else {
      end = range.upper.key;
      alsoDelete = end;
    }
  }
  const c = bytewiseComparator.compare(start, end);
  if (c < 0) batch.deleteRange(start, end);
  if (alsoDelete !== undefined && bytewiseComparator.compare(start, alsoDelete) <= 0) batch.delete(alsoDelete);
  batch.commit();
  return true;
}

/** Deletes every key of `spec.range` visible in the snapshot (up to the limit). */
export function clearRange(tree: Tree, spec: ClearSpec): void {
  if (spec.limit < 0 && spec.snapshot === undefined && engineCall(() => clearWithRangeDeletion(tree, spec.range))) return;
  engineCall(() => {
    const snap = spec.snapshot ?? tree.snapshot();
    try {
      const keys = snap.range({ ...engineRange(spec.range), reverse: spec.reverse, limit: spec.limit < 0 ? undefined : spec.limit });
      let batch = tree.batch();
      for (const [key] of keys) {
        batch.delete(key);
        if (batch.length >= CLEAR_BATCH) {
          batch.commit();
          batch = tree.batch();
        }
      }
      batch.commit();
    } finally {
      if (spec.snapshot === undefined) snap.release();
    }
  });
}
