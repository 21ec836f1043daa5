// A cursor over one engine snapshot, shared by the entry, key and value iterators. Engine
// iterators cannot seek, so seek() records the target and the next read opens a fresh
// engine iterator over the SAME snapshot, bounded by the original range cut at the
// target: an abstract-level iterator keeps reading the store as of its creation, however
// often it seeks. The snapshot is the iterator's own (implicit snapshot, released on
// close) or the caller's explicit one (left alone on close).

import type { Snapshot } from '@lsm/engine';

type EngineIterator = IterableIterator<[Uint8Array, Uint8Array]>;
import { engineCall } from './errors.js';
import { type KeyRange, engineRange, seekRange } from './key-range.js';

/** Reads `[key, value]` pairs in order within a range, as of one snapshot. */
export class SnapshotCursor {
  /** The engine iterator in use; null before the first read and after a seek. */
  private it: EngineIterator | null = null;
  /** The range the next engine iterator covers; null when nothing is left (seek out of range). */
  private pending: KeyRange | null;
  private closed = false;

  constructor(
    private readonly snapshot: Snapshot,
    /** True when the cursor took the snapshot itself and must release it. */
    private readonly ownsSnapshot: boolean,
    private readonly range: KeyRange,
    private readonly reverse: boolean,
  ) {
    this.pending = range;
  }

  /** The next pair, or undefined at the end of the range. */
  next(): [Uint8Array, Uint8Array] | undefined {
    const it = this.it ?? this.open();
    if (it === null) return undefined;
    const r = engineCall(() => it.next());
    return r.done === true ? undefined : r.value;
  }

  /** Moves to the first key >= target (<= target when reverse), lazily. */
  seek(target: Uint8Array): void {
    this.dropIterator();
    this.pending = seekRange(this.range, target, this.reverse);
  }

  /** Releases the engine iterator and (if owned) the snapshot. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pending = null;
    try {
      this.dropIterator();
    } finally {
      if (this.ownsSnapshot) this.snapshot.release();
    }
  }

  private open(): EngineIterator | null {
    const range = this.pending;
    if (range === null) return null;
    this.pending = null;
    const it = engineCall(() => this.snapshot.range({ ...engineRange(range), reverse: this.reverse }));
    this.it = it;
    return it;
  }

  private dropIterator(): void {
    const it = this.it;
    this.it = null;
    // Snapshot.range returns the engine's DbIterator: return() releases what it pinned.
    it?.return?.();
  }
}
