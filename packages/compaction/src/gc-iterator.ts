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
// 2. Merge operands do not hide anything: a reader that sees one reads on to the first
//    non-merge entry below it, so that entry counts as seen too. Without a merge
//    operator they are all kept. With one (`mergeOperator`), the visible run of operands
//    of a stripe is collapsed into one Value (seqno of the newest operand, value
//    merge(key, base, operands oldest first)) when the run's base is known inside the
//    stripe: a range tombstone lies between the run and the next older entry (base
//    undefined: the stripe's reader sees the tombstone under the run, whatever the
//    tombstone's stripe), or the next older entry is in the stripe and is a Value (base =
//    its value) or a Tombstone/WeakTombstone (base undefined), or the key has no older
//    entry at all and no deeper level can hold it (base undefined). Otherwise (base in an older stripe, an
//    Indirection base that would need a blob read) the operands stay as they are: each
//    snapshot between them must still see its own fold, and operators need not be
//    associative, so no partial merge is done. The base itself is then treated like any
//    entry under a kept Value (rule 1). Reads must treat a merge chain ending at a
//    deletion like one ending at no entry (as RocksDB does): rule 3 drops deletions
//    under operands that sit in newer levels, which no compaction sees. The operator's
//    exception aborts the compaction and surfaces unchanged.
// 3. Bottom. A deletion (Tombstone or WeakTombstone) in stripe 0 is dropped, with
//    everything older, when no deeper level can hold the key (keyIsBottommost): stripe 0
//    means seqno <= the smallest snapshot and <= visibleSeqno, so no reader reads below
//    it, and with nothing older anywhere, "deleted" and "no entry" read the same
//    (LevelDB's rule: seqno <= smallest snapshot and IsBaseLevelForKey).
// 4. WeakTombstone (RocksDB SingleDelete). The writer promises that when it wrote the
//    WeakTombstone the key had at most one Value/Indirection since its last deletion and
//    no Merge operand since then. A WeakTombstone whose next older entry is a Value or
//    Indirection in the same stripe (not deleted by a range tombstone) cancels with it:
//    both are dropped (no reader saw the Value alone; under the promise what lies below
//    is a deletion, kept by rule 1, or nothing). Otherwise it is kept and acts as a
//    deletion for rule 1 (a hidden one under a Tombstone is dropped). A broken promise
//    (two Values under one WeakTombstone) can let an older Value reappear, as in RocksDB.
//    A Value made by collapsing operands (rule 2) cannot be cancelled under the promise
//    (operands were written since the last deletion), and rule 1 keeps the deletion
//    under it anyway.
// 5. Range tombstones (`rangeTombstones`: the fragmented tombstones of every input). An
//    entry (key, s) is dropped when a tombstone with seqno t > s covers the key and t is
//    in the same stripe as s: every reader that sees the entry also sees the tombstone.
//    A tombstone in a newer stripe does not drop it (a snapshot in between still reads
//    it). A range tombstone acts like a Tombstone: it only goes away at the bottom (see
//    range-tombstone-gc.ts), together with everything it covers in stripe 0, so point
//    deletions it covers can go too.
// 6. Compaction filter (`compactionFilter`). Called once for each Value that is kept as
//    the newest entry of its key in this compaction, has seqno <= visibleSeqno, and is
//    newer than every open snapshot (so no snapshot reads it: RocksDB's rule). 'keep'
//    keeps it, { change } replaces its bytes (same seqno), and 'remove' turns it into a
//    Tombstone at its seqno -- older versions kept for snapshots or sitting in deeper
//    levels stay hidden from newer readers -- which rule 3 then drops at the bottom
//    (stripe 0 and no deeper level can hold the key) together with everything older.
//    Operands, Indirections and deletions are never shown to the filter. Its exception
//    aborts the compaction and surfaces unchanged.
//
// Promises: entries come out in input order (a subsequence of it, except that a collapsed
// run of operands comes out as one Value and a filtered Value may change bytes or become
// a Tombstone); stats account for every input entry (entriesIn = entriesOut +
// droppedVersions + droppedTombstones; a collapse of n operands counts n - 1 dropped);
// out-of-order input (a key not after the previous one, or a seqno not below the
// previous version's) or an unknown entry type throws an LSM_CORRUPTION LsmError.


import {
  InvalidArgumentError,
  LsmError,
  newestAtOrBelow,
  ValueType,
  type Comparator,
  type FragmentedRangeTombstones,
  type InternalIterator,
} from '@lsm/base';
import { checkDecision, type CompactionFilter, type CompactionFilterDecision } from './compaction-filter.js';
import { userError } from './failure.js';
import type { MergeOperator } from './merge-operator.js';
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
  /** The range tombstones of every input, fragmented (rule 5). Absent: none. */
  readonly rangeTombstones?: FragmentedRangeTombstones;
  /** Collapses runs of merge operands (rule 2). Absent: operands are kept as they are. */
  readonly mergeOperator?: MergeOperator;
  /** Consulted for the newest value of each key that no snapshot sees (rule 6). */
  readonly compactionFilter?: CompactionFilter;
  /**
   * Reads the value an Indirection entry points at (K/V separation's blob pointer), so a
   * run of merge operands can be collapsed onto it (rule 2). Absent: operands over an
   * Indirection stay as they are. Its exception fails the compaction.
   */
  readonly readIndirection?: (userKey: Uint8Array, pointer: Uint8Array) => Uint8Array;
  /** The level written, told to the compaction filter. Default 0. */
  readonly outputLevel?: number;
  /**
   * Change history to keep (the engine's changesSince with a retention window): a
   * WeakTombstone with a seqno above this never cancels with its value (rule 4), so the
   * deletion stays recorded as a change; it then acts as a deletion (rule 1). Treat it as
   * a snapshot too (in `snapshots`), so that nothing above it is dropped at the bottom.
   * Absent: no such limit.
   */
  readonly keepChangesAbove?: number;
}

/** Counters of one garbage-collection pass. */
export interface GcStats {
  /** Entries read from the input. */
  entriesIn: number;
  /** Entries passed on. */
  entriesOut: number;
  /** Dropped entries that are not deletions (shadowed versions, values under a dropped deletion, merged operands). */
  droppedVersions: number;
  /** Dropped Tombstones and WeakTombstones. */
  droppedTombstones: number;
  /** Of the dropped entries, those deleted by a range tombstone of their stripe (rule 5). */
  droppedByRangeTombstones: number;
  /** Runs of operands collapsed into one Value (rule 2). */
  mergesCollapsed: number;
  /** Operands consumed by those collapses. */
  operandsMerged: number;
  /** Values the compaction filter removed (turned into a Tombstone or dropped at the bottom). */
  filterRemoved: number;
  /** Values the compaction filter changed. */
  filterChanged: number;
  /**
   * The largest seqno of a deletion dropped with no newer entry of its key left to show
   * the change: a deletion at the bottom (rule 3), a WeakTombstone cancelled with its value
   * (rule 4), a Value the compaction filter removed at the bottom. -1: none. What a change
   * feed needs to know: changes at or below it may be gone.
   */
  maxDroppedDeletionSeqno: number;
}

/** A fresh, zeroed GcStats. */
export function emptyGcStats(): GcStats {
  return {
    entriesIn: 0,
    entriesOut: 0,
    droppedVersions: 0,
    droppedTombstones: 0,
    droppedByRangeTombstones: 0,
    mergesCollapsed: 0,
    operandsMerged: 0,
    filterRemoved: 0,
    filterChanged: 0,
    maxDroppedDeletionSeqno: -1,
  };
}

const NONE = 0;
/** The current entry is the input's current entry. */
const FROM_INPUT = 1;
/** The current entry is queue[qPos]; the input is already on the next unprocessed entry. */
const HELD = 2;

const NO_SEQNOS: readonly number[] = [];

/**
 * A forward iterator over the entries of `input` that survive garbage collection. The
 * input must be an unpositioned (or any) InternalIterator; call seekToFirst() to start.
 * The GcIterator does not own the input (closing it is the caller's job).
 */
export class GcIterator {
  readonly stats: GcStats = emptyGcStats();
  readonly stripes: SnapshotStripes;
  private readonly cmp: Comparator;
  private readonly keyIsBottommost: (userKey: Uint8Array) => boolean;
  private readonly rt: FragmentedRangeTombstones | undefined;
  private readonly op: MergeOperator | undefined;
  private readonly filter: CompactionFilter | undefined;
  private readonly readIndirection: ((userKey: Uint8Array, pointer: Uint8Array) => Uint8Array) | undefined;
  private readonly level: number;
  private readonly visibleSeqno: number;
  /** The newest open snapshot (-1: none): the filter only sees entries above it. */
  private readonly newestSnapshot: number;
  private readonly keepChangesAbove: number;

  private state = NONE;
  // Entries made or copied here, waiting to be passed on (in order).
  private readonly qSeq: number[] = [];
  private readonly qType: ValueType[] = [];
  private readonly qVal: Uint8Array[] = [];
  private readonly qFirst: boolean[] = [];
  private qPos = 0;

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
  /** Seqnos (descending) of the range tombstones covering the key. */
  private keyTombstones: readonly number[] = NO_SEQNOS;

  constructor(
    private readonly input: InternalIterator,
    options: GcOptions,
  ) {
    this.cmp = options.comparator;
    this.keyIsBottommost = options.keyIsBottommost;
    this.stripes = new SnapshotStripes(options.snapshots, options.visibleSeqno);
    this.rt = options.rangeTombstones !== undefined && !options.rangeTombstones.isEmpty ? options.rangeTombstones : undefined;
    this.op = options.mergeOperator;
    this.filter = options.compactionFilter;
    this.readIndirection = options.readIndirection;
    this.level = options.outputLevel ?? 0;
    this.visibleSeqno = options.visibleSeqno;
    this.newestSnapshot = options.snapshots.reduce((m, x) => Math.max(m, x), -1);
    this.keepChangesAbove = options.keepChangesAbove ?? Number.MAX_SAFE_INTEGER;
  }

  /** Positions the input at its first entry and this iterator at the first surviving one. */
  seekToFirst(): void {
    this.clearQueue();
    this.input.seekToFirst();
    this.advance();
  }

  valid(): boolean {
    return this.state !== NONE;
  }

  /** Moves to the next surviving entry. Requires valid(). */
  next(): void {
    if (this.state === FROM_INPUT) {
      this.input.next();
    } else if (this.state === HELD) {
      if (++this.qPos < this.qSeq.length) return;
      this.clearQueue();
    }
    this.state = NONE;
    this.advance();
  }

  /** The current user key. Stable until the iterator reaches another user key. */
  userKey(): Uint8Array {
    return this.key!;
  }

  seqno(): number {
    return this.state === HELD ? this.qSeq[this.qPos]! : this.input.seqno();
  }

  type(): ValueType {
    return this.state === HELD ? this.qType[this.qPos]! : this.input.type();
  }

  /** The current value: a view valid until the next move. */
  value(): Uint8Array {
    return this.state === HELD ? this.qVal[this.qPos]! : this.input.value();
  }

  /** True when the current entry is the first one passed on for its user key. */
  isFirstOfKey(): boolean {
    return this.state === HELD ? this.qFirst[this.qPos]! : this.firstOfKey;
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

      // Rule 5: deleted by a range tombstone every reader of the entry also sees.
      if (this.keyTombstones.length > 0 && this.coveredInStripe(seqno, st)) {
        this.drop(type);
        stats.droppedByRangeTombstones++;
        input.next();
        continue;
      }

      // Rule 3: a deletion in the oldest stripe at the bottom goes, and so does all
      // that is older (it is in the oldest stripe too, hidden by it or by a newer entry).
      if (deletion && st === 0 && this.isBottommost()) {
        stats.droppedTombstones++;
        this.droppedChange(seqno);
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
          if (
            (t === ValueType.Value || t === ValueType.Indirection) &&
            seqno <= this.keepChangesAbove &&
            this.stripes.stripeOf(s) === st &&
            !(this.keyTombstones.length > 0 && this.coveredInStripe(s, st))
          ) {
            stats.entriesIn++;
            this.track(this.key!, s);
            stats.droppedTombstones++;
            stats.droppedVersions++;
            this.droppedChange(seqno);
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
        this.hold(seqno, ValueType.WeakTombstone, value);
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
      if (type === ValueType.Merge) {
        if (this.op !== undefined) {
          // Rule 2: the run is passed on collapsed or as it was; either way from the queue.
          if (this.mergeRun(seqno, st)) return;
          continue;
        }
        this.keep(type);
        this.state = FROM_INPUT;
        return;
      }
      this.shadowed = true;
      if (type === ValueType.Value && this.filterApplies(seqno)) {
        // Rule 6.
        const d = this.callFilter(input.value(), seqno);
        if (d === 'keep') {
          this.keep(type);
          this.state = FROM_INPUT;
          return;
        }
        input.next();
        if (this.applyDecision(d, seqno, st)) return;
        continue;
      }
      this.keep(type);
      this.state = FROM_INPUT;
      return;
    }
    this.state = NONE;
  }

  /**
   * Rule 2 with an operator: reads the visible run of operands starting at the input's
   * current entry (already counted and tracked), finds its base, and queues either one
   * collapsed Value or the operands unchanged. Returns true when something was queued
   * (false: the collapsed Value was removed by the filter at the bottom).
   */
  private mergeRun(seqno: number, st: number): boolean {
    const input = this.input;
    const key = this.key!;
    const seqs: number[] = [seqno];
    const ops: Uint8Array[] = [input.value().slice()];
    input.next();
    let base: Uint8Array | undefined;
    let collapse = false;
    /** Seqno of the next older entry of the key (-1: none), which a range tombstone may hide. */
    let nextSeq = -1;
    for (;;) {
      if (!input.valid() || this.cmp.compare(input.userKey(), key) !== 0) {
        // Nothing older in this compaction: with no deeper level holding the key, the
        // base is nothing at all.
        collapse = this.isBottommost();
        break;
      }
      const s = input.seqno();
      const t = input.type();
      nextSeq = s;
      if (this.stripes.stripeOf(s) !== st) break; // the base is in an older stripe
      if (this.keyTombstones.length > 0 && this.coveredInStripe(s, st)) break; // a range tombstone lies between
      if (t === ValueType.Merge) {
        this.stats.entriesIn++;
        this.track(key, s);
        seqs.push(s);
        ops.push(input.value().slice());
        input.next();
        nextSeq = -1;
        continue;
      }
      if (t === ValueType.Value) {
        base = input.value();
        collapse = true;
      } else if (t === ValueType.Tombstone || t === ValueType.WeakTombstone) {
        collapse = true;
      } else if (t === ValueType.Indirection && this.readIndirection !== undefined) {
        base = this.readIndirection(key, input.value());
        collapse = true;
      }
      // An Indirection base without readIndirection: no collapse.
      break;
    }
    // A range tombstone between the run and the next older entry: the stripe's reader
    // sees the run on a deleted key (whatever the tombstone's stripe).
    if (this.tombstoneUnderRun(seqs[seqs.length - 1]!, nextSeq)) {
      collapse = true;
      base = undefined;
    }
    if (!collapse) {
      for (let i = 0; i < seqs.length; i++) this.hold(seqs[i]!, ValueType.Merge, ops[i]!);
      return true;
    }
    const merged = this.callMerge(key, base, ops.reverse());
    const stats = this.stats;
    stats.mergesCollapsed++;
    stats.operandsMerged += seqs.length;
    stats.droppedVersions += seqs.length - 1;
    // The base (still the input's current entry) is now under a kept Value: rule 1.
    this.shadowed = true;
    const newest = seqs[0]!;
    if (this.filterApplies(newest)) {
      const d = this.callFilter(merged, newest);
      if (d !== 'keep') return this.applyDecision(d, newest, st);
    }
    this.hold(newest, ValueType.Value, merged);
    return true;
  }

  /** True when the filter must be asked about a Value at `seqno` kept as its key's newest entry (rule 6). */
  private filterApplies(seqno: number): boolean {
    return this.filter !== undefined && this.emittedGen !== this.keyGen && seqno <= this.visibleSeqno && seqno > this.newestSnapshot;
  }

  /**
   * Carries out a 'remove' or 'change' for the Value at `seqno` (the input has moved past
   * it). True when an entry was queued; false when the removal dropped it at the bottom.
   */
  private applyDecision(d: Exclude<CompactionFilterDecision, 'keep'>, seqno: number, st: number): boolean {
    const stats = this.stats;
    if (d === 'remove') {
      stats.filterRemoved++;
      if (st === 0 && this.isBottommost()) {
        // A Tombstone here would go by rule 3, and everything older with it.
        stats.droppedVersions++;
        this.droppedChange(seqno);
        this.shadowed = true;
        return false;
      }
      this.hold(seqno, ValueType.Tombstone, EMPTY);
      return true;
    }
    stats.filterChanged++;
    this.hold(seqno, ValueType.Value, d.change.slice());
    return true;
  }

  private callFilter(value: Uint8Array, seqno: number): CompactionFilterDecision {
    const f = this.filter!;
    let d: unknown;
    try {
      d = f.filter(this.key!, value, { level: this.level, seqno });
    } catch (err) {
      throw userError(err, `compaction filter ${f.name}`);
    }
    return checkDecision(d, f.name);
  }

  private callMerge(key: Uint8Array, base: Uint8Array | undefined, operands: Uint8Array[]): Uint8Array {
    const op = this.op!;
    let out: unknown;
    try {
      out = op.merge(key, base, operands);
    } catch (err) {
      throw userError(err, `merge operator ${op.name}`);
    }
    if (!(out instanceof Uint8Array)) {
      throw new InvalidArgumentError(`merge operator ${op.name} returned ${typeof out}, not a Uint8Array`);
    }
    // The base is a view into the input, which moves on: never hold on to it.
    return base !== undefined && out.buffer === base.buffer ? out.slice() : out;
  }

  /** Rule 5: a range tombstone newer than `seqno` in the same stripe covers the key. */
  private coveredInStripe(seqno: number, st: number): boolean {
    const b = this.stripes.boundaries;
    const top = st < b.length ? b[st]! : Number.MAX_SAFE_INTEGER;
    return newestAtOrBelow(this.keyTombstones, top) > seqno;
  }

  /**
   * A range tombstone covering the key has a seqno in (nextSeq, oldest]: what lies under a
   * run is deleted. A tombstone at the oldest operand's own seqno (one write batch: a range
   * deletion, then a merge in its range) covers only what is older than the operand.
   */
  private tombstoneUnderRun(oldest: number, nextSeq: number): boolean {
    if (this.keyTombstones.length === 0) return false;
    return newestAtOrBelow(this.keyTombstones, oldest) > nextSeq;
  }

  /** keyIsBottommost for the current key, asked at most once. */
  private isBottommost(): boolean {
    if (this.bottom === 0) this.bottom = this.keyIsBottommost(this.key!) ? 1 : 2;
    return this.bottom === 1;
  }

  /** Records that an entry (of `type`) is passed on. */
  private keep(type: ValueType): void {
    this.lastKept = type;
    this.firstOfKey = this.emittedGen !== this.keyGen;
    this.emittedGen = this.keyGen;
    this.stats.entriesOut++;
  }

  /** Queues an entry of the current key to pass on (the value must not be a view into the input). */
  private hold(seqno: number, type: ValueType, value: Uint8Array): void {
    this.keep(type);
    this.qSeq.push(seqno);
    this.qType.push(type);
    this.qVal.push(value);
    this.qFirst.push(this.firstOfKey);
    this.state = HELD;
  }

  private clearQueue(): void {
    this.qSeq.length = 0;
    this.qType.length = 0;
    this.qVal.length = 0;
    this.qFirst.length = 0;
    this.qPos = 0;
  }

  /** A deletion at `seqno` is gone with nothing newer of its key to show it (GcStats.maxDroppedDeletionSeqno). */
  private droppedChange(seqno: number): void {
    if (seqno > this.stats.maxDroppedDeletionSeqno) this.stats.maxDroppedDeletionSeqno = seqno;
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
      if (this.rt !== undefined) {
        const i = this.rt.fragmentIndex(this.key);
        this.keyTombstones = i < 0 ? NO_SEQNOS : this.rt.fragments[i]!.seqnos;
      }
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
