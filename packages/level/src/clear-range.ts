// clear(): deletes the keys of a range as of one snapshot, in reverse order and up to a
// limit if asked, committing deletions in batches of CLEAR_BATCH so memory stays bounded.
// Not atomic across a crash (abstract-level does not require it): a crash mid-way leaves
// a prefix of the range deleted. Writes made after clear() started are not touched,
// because the keys come from the snapshot.
//
// When the engine has deleteRange (one range tombstone), a clear without a limit should
// use it: `tree.deleteRange(lower, upper)` for the whole range, which is O(1) writes
// instead of one tombstone per key. A clear with a limit (or an explicit snapshot, whose
// keys may since have been rewritten) keeps this per-key path.

import type { Snapshot, Tree } from '@lsm/engine';
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

/** Deletes every key of `spec.range` visible in the snapshot (up to the limit). */
export function clearRange(tree: Tree, spec: ClearSpec): void {
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
