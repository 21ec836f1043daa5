// MVCC garbage collection for compaction: wraps the merged input stream (all versions of
// each key, newest first) and yields only the entries some reader can still need. The
// rules (README "Garbage collection rules" has the long form, with examples), per user
// key, with stripes from SnapshotStripes (stripe 0 is the oldest):
//
// 1. Shadowing. The newest entry of each stripe is seen by that stripe's reader. Once a
//    Value, Indirection, Tombstone or WeakTombstone is kept, the older entries of the key
//    in the same stripe are hidden from every reader and dropped -- except a deletion
//    hidden by anything but a Tombstone, which is kept: the Value/Indirection/
//    WeakTombstone above it may later be cancelled by a WeakTombstone (rule 4), and the
//    deletion must then still be there to hide what lies below (the hazard RocksDB
//    leaves undefined and Pebble solves with SETWITHDEL).
// 2. Merge operands are kept and do not hide anything: a reader that sees one reads on
//    to the first non-merge entry below it, so that entry counts as seen too. Issue #7
//    (merge operators) will collapse such chains. Reads must treat a merge chain that
//    ends at a deletion like one that ends at no entry (as RocksDB does): rule 3 drops
//    deletions under operands that sit in newer levels, which no compaction sees.
// 3. Bottom. A deletion (Tombstone or WeakTombstone) in stripe 0 is dropped, with
//    everything older, when no deeper level can hold the key (keyIsBottommost): stripe 0
//    means seqno <= the smallest snapshot and <= visibleSeqno, so no reader reads below
//    it, and with nothing older anywhere, "deleted" and "no entry" read the same
//    (LevelDB's rule: seqno <= smallest snapshot and IsBaseLevelForKey).
// 4. WeakTombstone (RocksDB SingleDelete). The writer promises that when it wrote the
//    WeakTombstone the key had at most one Value/Indirection since its last deletion and
//    no Merge operand since then. A WeakTombstone whose next older entry is a Value or
//    Indirection in the same stripe cancels with it: both are dropped (no reader saw the
//    Value alone; under the promise what lies below is a deletion, kept by rule 1, or
//    nothing). Otherwise it is kept and acts as a deletion for rule 1 (a hidden one
//    under a Tombstone is dropped). A broken promise (two Values under one
//    WeakTombstone) can let an older Value reappear, as in RocksDB.
//
// Promises: entries come out in input order (a subsequence of it); stats account for
// every input entry (entriesIn = entriesOut + droppedVersions + droppedTombstones);
// out-of-order input (a key not after the previous one, or a seqno not below the
// previous version's) or an unknown entry type throws an LSM_CORRUPTION LsmError.

import { LsmError, ValueType, type Comparator, type InternalIterator } from '@lsm/sstable';
import { SnapshotStripes } from './snapshot-stripes.js';

/** What the garbage collector needs to know about the compaction. */
export interface GcOptions {
  readonly comparator: Comparator;
  /** Seqnos of the open snapshots (any order). */
  readonly snapshots: readonly number[];
  /** The seqno of the newest write: "now" reads at it. */
  readonly visibleSeqno: number;
  /**
   * True when no level below the compaction's output can hold an entry of `userKey`,
   * so a deletion of it hides nothing outside this compaction. Called at most once per
   * user key, with keys in ascending order.
   */
  readonly keyIsBottommost: (userKey: Uint8Array) => boolean;
}

/** Counters of one garbage-collection pass. */
export interface GcStats {
  /** Entries read from the input. */
  entriesIn: number;
  /** Entries passed on. */
  entriesOut: number;
  /** Dropped entries that are not deletions (shadowed versions, values under a dropped deletion). */
  droppedVersions: number;
  /** Dropped Tombstones and WeakTombstones. */
  droppedTombstones: number;
}

const NONE = 0;
/** The current entry is the input's current entry. */
const FROM_INPUT = 1;
/** The current entry is a held copy; the input is already on the next unprocessed entry. */
const HELD = 2;

/**
 * A forward iterator over the entries of `input` that survive garbage collection. The
 * input must be an unpositioned (or any) InternalIterator; call seekToFirst() to start.
 * The GcIterator does not own the input (closing it is the caller's job).
 */
export class GcIterator {
  readonly stats: GcStats = { entriesIn: 0, entriesOut: 0, droppedVersions: 0, droppedTombstones: 0 };
  readonly stripes: SnapshotStripes;
  private readonly cmp: Comparator;
  private readonly keyIsBottommost: (userKey: Uint8Array) => boolean;

  private state = NONE;
  private heldSeqno = 0;
  private heldType: ValueType = ValueType.Value;
  private heldValue: Uint8Array = EMPTY;

  // Per user key.
  private key: Uint8Array | undefined;
  private keyGen = 0;
  private emittedGen = -1;
  private firstOfKey = false;
  private lastSeqno = 0;
  private stripe = -1;
  /** A kept entry of this stripe fully answers reads: older entries of the stripe are hidden. */
  private shadowed = false;
  /** Type of the last entry of this key passed on (-1: none yet). */
  private lastKept: number = -1;
  /** keyIsBottommost(key), asked lazily: 0 unknown, 1 yes, 2 no. */
  private bottom = 0;

  constructor(
    private readonly input: InternalIterator,
    options: GcOptions,
  ) {
    this.cmp = options.comparator;
    this.keyIsBottommost = options.keyIsBottommost;
    this.stripes = new SnapshotStripes(options.snapshots, options.visibleSeqno);
  }

  /** Positions the input at its first entry and this iterator at the first surviving one. */
  seekToFirst(): void {
    this.input.seekToFirst();
    this.advance();
  }

  valid(): boolean {
    return this.state !== NONE;
  }

  /** Moves to the next surviving entry. Requires valid(). */
  next(): void {
    if (this.state === FROM_INPUT) this.input.next();
    this.state = NONE;
    this.advance();
  }

  /** The current user key. Stable until the iterator reaches another user key. */
  userKey(): Uint8Array {
    return this.key!;
  }

  seqno(): number {
    return this.state === HELD ? this.heldSeqno : this.input.seqno();
  }

  type(): ValueType {
    return this.state === HELD ? this.heldType : this.input.type();
  }

  /** The current value: a view valid until the next move. */
  value(): Uint8Array {
    return this.state === HELD ? this.heldValue : this.input.value();
  }

  /** True when the current entry is the first one passed on for its user key. */
  isFirstOfKey(): boolean {
    return this.firstOfKey;
  }

  private advance(): void {
    const input = this.input;
    const stats = this.stats;
    while (input.valid()) {
      const seqno = input.seqno();
      const type = input.type();
      stats.entriesIn++;
      this.track(input.userKey(), seqno);
      if (type > MAX_TYPE || type < 0) {
        throw new LsmError('LSM_CORRUPTION', `compaction input holds an entry of unknown type ${String(type)} (seqno ${seqno})`);
      }
      const st = this.stripes.stripeOf(seqno);
      if (st !== this.stripe) {
        this.stripe = st;
        this.shadowed = false;
      }
      const deletion = type === ValueType.Tombstone || type === ValueType.WeakTombstone;

      // Rule 3: a deletion in the oldest stripe at the bottom goes, and so does all
      // that is older (it is in the oldest stripe too, hidden by it or by a newer entry).
      if (deletion && st === 0 && this.isBottommost()) {
        stats.droppedTombstones++;
        this.shadowed = true;
        input.next();
        continue;
      }

      if (type === ValueType.WeakTombstone) {
        // Rule 4: look at the next older entry; copy the weak tombstone first (moving
        // invalidates the input's views).
        const value = input.value().slice();
        input.next();
        if (input.valid() && this.cmp.compare(input.userKey(), this.key!) === 0) {
          const t = input.type();
          const s = input.seqno();
          if ((t === ValueType.Value || t === ValueType.Indirection) && this.stripes.stripeOf(s) === st) {
            stats.entriesIn++;
            this.track(this.key!, s);
            stats.droppedTombstones++;
            stats.droppedVersions++;
            input.next();
            // The pair is gone as if never written; the stripe is as open (or hidden) as before.
            continue;
          }
        }
        // It stays (the input is already on the next entry).
        if (this.shadowed && this.lastKept === ValueType.Tombstone) {
          stats.droppedTombstones++;
          continue;
        }
        this.shadowed = true;
        this.keep(ValueType.WeakTombstone);
        this.heldSeqno = seqno;
        this.heldType = ValueType.WeakTombstone;
        this.heldValue = value;
        this.state = HELD;
        return;
      }

      if (this.shadowed) {
        // Rule 1, with its exception: a deletion under anything but a Tombstone stays.
        if (deletion && this.lastKept !== ValueType.Tombstone) {
          this.keep(type);
          this.state = FROM_INPUT;
          return;
        }
        this.drop(type);
        input.next();
        continue;
      }

      // The newest entry of its stripe (or the next in a merge chain): a reader sees it.
      if (type !== ValueType.Merge) this.shadowed = true;
      this.keep(type);
      this.state = FROM_INPUT;
      return;
    }
    this.state = NONE;
  }

  /** keyIsBottommost for the current key, asked at most once. */
  private isBottommost(): boolean {
    if (this.bottom === 0) this.bottom = this.keyIsBottommost(this.key!) ? 1 : 2;
    return this.bottom === 1;
  }

  /** Records that the current entry (of `type`) is passed on. */
  private keep(type: ValueType): void {
    this.lastKept = type;
    this.firstOfKey = this.emittedGen !== this.keyGen;
    this.emittedGen = this.keyGen;
    this.stats.entriesOut++;
  }

  private drop(type: number): void {
    if (type === ValueType.Tombstone || type === ValueType.WeakTombstone) this.stats.droppedTombstones++;
    else this.stats.droppedVersions++;
  }

  /** Starts per-key state on a new user key; checks the input's order. */
  private track(userKey: Uint8Array, seqno: number): void {
    const prev = this.key;
    const c = prev === undefined ? 1 : userKey === prev ? 0 : this.cmp.compare(userKey, prev);
    if (c > 0) {
      this.key = userKey.slice();
      this.keyGen++;
      this.lastSeqno = seqno;
      this.stripe = -1;
      this.shadowed = false;
      this.lastKept = -1;
      this.bottom = 0;
      return;
    }
    if (c < 0) throw new LsmError('LSM_CORRUPTION', 'compaction input is out of order: a user key sorts before the previous one');
    if (seqno >= this.lastSeqno) {
      throw new LsmError(
        'LSM_CORRUPTION',
        `compaction input is out of order: seqno ${seqno} follows seqno ${this.lastSeqno} of the same user key`,
      );
    }
    this.lastSeqno = seqno;
  }
}

const EMPTY = new Uint8Array(0);
const MAX_TYPE = ValueType.Indirection;
