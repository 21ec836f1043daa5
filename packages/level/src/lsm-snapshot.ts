// An explicit abstract-level snapshot (`db.snapshot()`): a token wrapping one engine
// Snapshot. Reads given `{ snapshot }` read as of its seqno; compaction keeps the versions
// it can see until close() releases it. abstract-level never calls _close() while a read
// holds a reference, and closes every snapshot before the database itself.

import { AbstractSnapshot } from 'abstract-level';
import type { Snapshot, Tree } from '@lsm/engine';

// abstract-level's types declare no constructor for AbstractSnapshot, but it takes the
// options object `db._snapshot(options)` received (it names the owning database).
const SnapshotBase = AbstractSnapshot as unknown as new (options: object) => AbstractSnapshot;

/** A snapshot of an LsmLevel: the engine snapshot and the store it belongs to. */
export class LsmSnapshot extends SnapshotBase {
  constructor(
    options: object,
    /** The store the snapshot was taken of (reads on another store must refuse it). */
    readonly tree: Tree,
    /** The engine's snapshot. */
    readonly engineSnapshot: Snapshot,
  ) {
    super(options);
  }

  /** Releases the engine snapshot. */
  async _close(): Promise<void> {
    this.engineSnapshot.release();
  }
}
