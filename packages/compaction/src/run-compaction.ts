// runCompaction: executes a CompactionPlan. Merges the input tables (one merge child per
// L0 table, one lazily-opening LevelIterator per sorted level), passes the stream through
// MVCC garbage collection (GcIterator) and writes the survivors into new tables cut near
// the target size (OutputSplitter), with the surviving range-tombstone fragments clipped
// into them. A 'drop' plan is accepted and produces nothing (the engine removes its
// inputs by a manifest edit). It does not touch the manifest or delete anything:
// the engine installs the outputs in a new version, makes that durable, and only then
// deletes the inputs.
// Promises: on success every output is finished (fsynced if the engine's writers sync),
// the outputs are sorted and disjoint, and every input iterator is closed. On failure
// the table being written is abandoned (its partial file removed), every input iterator
// is closed, and the error is rethrown with its code (Fs failures as LSM_IO) carrying a
// CompactionFailure report (compactionFailure(err)) of the output ids created.

import {
  FragmentedRangeTombstones,
  InvalidArgumentError,
  LsmError,
  MergingIterator,
  NotSupportedError,
  type Comparator,
  type InternalIterator,
  type RangeTombstone,
  shownValue,
} from '@lsm/base';
import { checkCompactionFilter, type CompactionFilter } from './compaction-filter.js';
import { attachFailure, normalizeError } from './failure.js';
import { emptyGcStats, GcIterator, type GcStats } from './gc-iterator.js';
import { ascendingKeyProbe, endsBefore, levelOverlapsSpan } from './key-range.js';
import { checkMergeOperator, type MergeOperator } from './merge-operator.js';
import { collectRangeTombstones } from './range-tombstone-gc.js';
import { LevelIterator } from './level-iterator.js';
import { OutputSplitter, type CompactionOutput } from './output-splitter.js';
import { SnapshotStripes } from './snapshot-stripes.js';
import type { CompactionPlan } from './strategy.js';
import type { TableMeta } from './table-meta.js';

/** What runCompaction needs from the engine. */
export interface CompactionEnv {
  /** The user-key order of the tables. */
  readonly comparator: Comparator;
  /**
   * A new, unpositioned iterator over every point entry of an input table (e.g.
   * Table.iterator({ fillCache: false }) from the engine's table cache). runCompaction
   * closes every iterator it gets, on success and on failure. Tables of a sorted level
   * are opened one at a time, as the merge reaches them.
   */
  openInput(meta: TableMeta, level: number): InternalIterator;
  /**
   * The range tombstones of an input table (e.g. Table.rangeTombstones() from the
   * engine's table cache). Called once per input whose meta.rangeTombstones > 0, before
   * anything is written; the list must hold meta.rangeTombstones tombstones, each inside
   * the table's bounds (else LSM_CORRUPTION). Without it, such inputs are refused with
   * LSM_NOT_SUPPORTED.
   */
  openInputTombstones?(meta: TableMeta, level: number): readonly RangeTombstone[];
  /**
   * The store's merge operator: runs of operands are collapsed into values where GC
   * rule 2 allows. Absent: operands are kept. Its exception fails the compaction with
   * that very error (after the usual cleanup; nothing is changed).
   */
  readonly mergeOperator?: MergeOperator;
  /**
   * Consulted for the newest value of each key that no snapshot can see (GC rule 6).
   * Its exception fails the compaction with that very error.
   */
  readonly compactionFilter?: CompactionFilter;
  /**
   * Reads the value a blob pointer (Indirection entry) points at, so merge operands over
   * it can be collapsed (GcIterator rule 2). Absent: such operands are kept.
   */
  readIndirection?(userKey: Uint8Array, pointer: Uint8Array): Uint8Array;
  /**
   * Allocates a file number and returns a TableWriter over a new file for it, configured
   * as the engine wants tables of `level` (compression, filter, comparator). Called only
   * when there is an entry to write, so no output is empty.
   */
  newOutput(request: { readonly level: number }): CompactionOutput;
  /** Seqnos of the open snapshots (any order). */
  readonly snapshots: readonly number[];
  /** The seqno of the newest write: everything at or below it is visible to "now". */
  readonly visibleSeqno: number;
  /**
   * Change history to keep (GcOptions.keepChangesAbove): no WeakTombstone above it cancels
   * with its value. Pass it in `snapshots` too. Absent: no limit.
   */
  readonly keepChangesAbove?: number;
  /**
   * Called every few thousand entries and once at the end with an estimate of the input
   * bytes consumed so far. Throwing from it aborts the compaction like any failure.
   */
  onProgress?(bytesRead: number, bytesTotal: number): void;
  /**
   * Check that the entries read equal the sum of the inputs' `entries` (a manifest that
   * disagrees with its tables is corruption: LSM_CORRUPTION). Default true.
   */
  readonly verifyInputEntryCount?: boolean;
}

/** What a finished compaction produced. */
export interface CompactionResult {
  /** The level the outputs belong to (plan.outputLevel). */
  readonly outputLevel: number;
  /** The new tables, sorted by key and disjoint. May be empty (everything was dropped). */
  readonly outputs: readonly TableMeta[];
  /** Ids of the input tables (to delete once the new version is durable). */
  readonly inputIds: readonly number[];
  /** Total size of the input tables. */
  readonly bytesRead: number;
  /** Total size of the output tables. */
  readonly bytesWritten: number;
  readonly entriesIn: number;
  readonly entriesOut: number;
  /** Dropped entries other than deletions. */
  readonly droppedVersions: number;
  /** Dropped Tombstones and WeakTombstones. */
  readonly droppedTombstones: number;
  /** Of the dropped entries, those deleted by a range tombstone of their stripe. */
  readonly droppedByRangeTombstones: number;
  /** Range tombstones read from the inputs (as stored). */
  readonly rangeTombstonesIn: number;
  /** Range tombstones written (fragments, clipped at output cuts, one per seqno). */
  readonly rangeTombstonesOut: number;
  /** (fragment, seqno) pairs dropped: redundant within a snapshot stripe, or at the bottom. */
  readonly rangeTombstonesDropped: number;
  /** Runs of merge operands collapsed into one value, and the operands they consumed. */
  readonly mergesCollapsed: number;
  readonly operandsMerged: number;
  /** Values the compaction filter removed / changed. */
  readonly filterRemoved: number;
  readonly filterChanged: number;
  /**
   * The largest seqno of a deletion (point or range) dropped with nothing newer of its
   * keys left to show it (GcStats.maxDroppedDeletionSeqno, and range-tombstone fragments
   * dropped at the bottom); -1: none. A change feed cannot answer for changes at or below it.
   */
  readonly maxDroppedDeletionSeqno: number;
  /** The plan's kind: for 'drop' nothing was read or written. */
  readonly kind: 'merge' | 'drop';
}

/** Entries between onProgress calls. */
const PROGRESS_EVERY = 4096;

/**
 * Executes `plan`: merge, garbage-collect, write outputs. Synchronous. Throws
 * InvalidArgumentError for a malformed plan or env, NotSupportedError when an input has
 * range tombstones and env.openInputTombstones is missing, and otherwise whatever the
 * inputs, outputs, merge operator or compaction filter throw (LSM_IO, LSM_CORRUPTION,
 * the user's own error, ...), with a CompactionFailure report attached. A 'drop' plan
 * is validated and returns an empty result (no outputs, nothing opened).
 */
export function runCompaction(plan: CompactionPlan, env: CompactionEnv): CompactionResult {
  const inputs = validate(plan, env);
  const cmp = env.comparator;
  const outputLevel = plan.outputLevel;
  if (plan.kind === 'drop') return resultOf(plan, inputs, emptyGcStats(), 0, 0, 0, 0, 0, [], -1);
  const bytesTotal = inputs.reduce((n, x) => n + x.meta.size, 0);
  const entriesTotal = inputs.reduce((n, x) => n + x.meta.entries, 0);

  let splitter: OutputSplitter | undefined;
  const children: InternalIterator[] = [];
  let merged: MergingIterator | undefined;
  try {
    // Range tombstones first: all of them are needed before the first entry is judged.
    const tombstones = readTombstones(inputs, env);
    const fragmented = FragmentedRangeTombstones.build(tombstones, cmp);
    const stripes = new SnapshotStripes(env.snapshots, env.visibleSeqno);
    const rtGc = collectRangeTombstones(cmp, fragmented, stripes, spanIsBottommost(plan, cmp));
    splitter = new OutputSplitter({
      comparator: cmp,
      newOutput: () => env.newOutput({ level: outputLevel }),
      targetTableSize: plan.targetTableSize,
      grandparents: plan.deeperTables?.[0]?.tables ?? [],
      maxGrandparentOverlapBytes: plan.maxGrandparentOverlapBytes ?? Infinity,
      fragments: rtGc.fragments,
    });
    for (const group of plan.inputs) {
      if (group.tables.length === 0) continue;
      const level = group.level;
      if (level === 0) {
        // L0 tables overlap: each is its own merge child.
        for (const t of group.tables) children.push(env.openInput(t, 0));
      } else {
        children.push(new LevelIterator(cmp, group.tables, (t) => env.openInput(t, level)));
      }
    }
    merged = new MergingIterator(children, cmp);

    const gc = new GcIterator(merged, {
      comparator: cmp,
      snapshots: env.snapshots,
      visibleSeqno: env.visibleSeqno,
      keyIsBottommost: keyIsBottommost(plan, cmp),
      rangeTombstones: fragmented,
      ...(env.mergeOperator !== undefined ? { mergeOperator: env.mergeOperator } : {}),
      ...(env.compactionFilter !== undefined ? { compactionFilter: env.compactionFilter } : {}),
      ...(env.readIndirection !== undefined ? { readIndirection: (k: Uint8Array, p: Uint8Array) => env.readIndirection!(k, p) } : {}),
      ...(env.keepChangesAbove !== undefined ? { keepChangesAbove: env.keepChangesAbove } : {}),
      outputLevel,
    });
    const onProgress = env.onProgress;
    let untilProgress = PROGRESS_EVERY;
    for (gc.seekToFirst(); gc.valid(); gc.next()) {
      splitter.add(gc.userKey(), gc.seqno(), gc.type(), gc.value(), gc.isFirstOfKey());
      if (onProgress !== undefined && --untilProgress === 0) {
        untilProgress = PROGRESS_EVERY;
        const done = entriesTotal > 0 ? Math.min(1, gc.stats.entriesIn / entriesTotal) : 0;
        onProgress(Math.round(done * bytesTotal), bytesTotal);
      }
    }
    const stats = gc.stats;
    if ((env.verifyInputEntryCount ?? true) && stats.entriesIn !== entriesTotal) {
      throw new LsmError(
        'LSM_CORRUPTION',
        `compaction read ${stats.entriesIn} entries from tables ${inputs.map((x) => x.meta.id).join(', ')}, but their metadata lists ${entriesTotal}`,
      );
    }
    const outputs = splitter.finish();
    const m = merged;
    merged = undefined;
    m.close();
    onProgress?.(bytesTotal, bytesTotal);
    return resultOf(plan, inputs, stats, bytesTotal, splitter.bytesWritten, tombstones.length, splitter.rangeTombstonesWritten, rtGc.droppedFragments, outputs, rtGc.maxDroppedAtBottom);
  } catch (err) {
    splitter?.abandon();
    try {
      if (merged !== undefined) merged.close();
      else for (const c of children) c.close();
    } catch {
      // the compaction's error is the one to report
    }
    throw attachFailure(normalizeError(err, `compaction into L${outputLevel}`), {
      createdOutputIds: splitter?.createdIds ?? [],
      finishedOutputs: splitter?.finished ?? [],
    });
  }
}

function resultOf(
  plan: CompactionPlan,
  inputs: readonly { meta: TableMeta }[],
  stats: GcStats,
  bytesRead: number,
  bytesWritten: number,
  rangeTombstonesIn: number,
  rangeTombstonesOut: number,
  rangeTombstonesDropped: number,
  outputs: readonly TableMeta[],
  maxRangeDroppedAtBottom: number,
): CompactionResult {
  return {
    kind: plan.kind === 'drop' ? 'drop' : 'merge',
    outputLevel: plan.outputLevel,
    outputs,
    inputIds: inputs.map((x) => x.meta.id),
    bytesRead,
    bytesWritten,
    entriesIn: stats.entriesIn,
    entriesOut: stats.entriesOut,
    droppedVersions: stats.droppedVersions,
    droppedTombstones: stats.droppedTombstones,
    droppedByRangeTombstones: stats.droppedByRangeTombstones,
    rangeTombstonesIn,
    rangeTombstonesOut,
    rangeTombstonesDropped,
    mergesCollapsed: stats.mergesCollapsed,
    operandsMerged: stats.operandsMerged,
    filterRemoved: stats.filterRemoved,
    filterChanged: stats.filterChanged,
    maxDroppedDeletionSeqno: Math.max(stats.maxDroppedDeletionSeqno, maxRangeDroppedAtBottom),
  };
}

/** Every input's range tombstones, each checked against its table's bounds and count. */
function readTombstones(inputs: readonly { meta: TableMeta; level: number }[], env: CompactionEnv): RangeTombstone[] {
  const cmp = env.comparator;
  const all: RangeTombstone[] = [];
  for (const { meta, level } of inputs) {
    if (meta.rangeTombstones === 0) continue;
    const list = env.openInputTombstones!(meta, level);
    if (!Array.isArray(list) || list.length !== meta.rangeTombstones) {
      throw new LsmError(
        'LSM_CORRUPTION',
        `table ${meta.id}: its metadata lists ${meta.rangeTombstones} range tombstones, the table holds ${Array.isArray(list) ? list.length : 'none'}`,
      );
    }
    for (const t of list) {
      if (cmp.compare(t.start, meta.smallest) < 0 || cmp.compare(t.end, meta.largest) > 0 || cmp.compare(t.start, t.end) >= 0) {
        throw new LsmError('LSM_CORRUPTION', `table ${meta.id}: range tombstone @${t.seqno} is empty or lies outside the table's bounds in its metadata`);
      }
      all.push(t);
    }
  }
  return all;
}

/** "No table below the output can hold a key of [start, end)": from bottommost or deeperTables. */
function spanIsBottommost(plan: CompactionPlan, cmp: Comparator): (start: Uint8Array, end: Uint8Array) => boolean {
  if (plan.bottommost) return () => true;
  const deeper = plan.deeperTables;
  if (deeper === undefined) return () => false;
  return (start, end) => !deeper.some((d) => levelOverlapsSpan(cmp, d.tables, start, end));
}

/** Per-key "nothing older below": always for a bottommost plan, else from deeperTables. */
function keyIsBottommost(plan: CompactionPlan, cmp: Comparator): (userKey: Uint8Array) => boolean {
  if (plan.bottommost) return () => true;
  const deeper = plan.deeperTables;
  // Without the deeper tables we cannot tell: keep every deletion.
  if (deeper === undefined) return () => false;
  const probe = ascendingKeyProbe(
    cmp,
    deeper.map((d) => d.tables),
  );
  return (key) => !probe(key);
}

/** Checks the plan and env; returns every input table with its level. */
function validate(plan: CompactionPlan, env: CompactionEnv): { meta: TableMeta; level: number }[] {
  if (typeof plan !== 'object' || plan === null || !Array.isArray(plan.inputs)) {
    throw new InvalidArgumentError('plan.inputs must be an array');
  }
  if (typeof env !== 'object' || env === null) throw new InvalidArgumentError('env must be an object');
  const cmp = env.comparator;
  if (typeof cmp !== 'object' || cmp === null || typeof cmp.compare !== 'function') {
    throw new InvalidArgumentError('env.comparator must be a Comparator');
  }
  if (typeof env.openInput !== 'function' || typeof env.newOutput !== 'function') {
    throw new InvalidArgumentError('env.openInput and env.newOutput must be functions');
  }
  if (!Number.isSafeInteger(plan.outputLevel) || plan.outputLevel < 0) {
    throw new InvalidArgumentError(`plan.outputLevel must be an integer >= 0, got ${shownValue(plan.outputLevel)}`);
  }
  if (!Number.isSafeInteger(plan.targetTableSize) || plan.targetTableSize < 1) {
    throw new InvalidArgumentError(`plan.targetTableSize must be an integer >= 1, got ${shownValue(plan.targetTableSize)}`);
  }
  // Fail before opening anything on bad snapshots / visibleSeqno.
  new SnapshotStripes(env.snapshots, env.visibleSeqno);
  if (env.mergeOperator !== undefined) checkMergeOperator(env.mergeOperator, 'env.mergeOperator');
  if (env.compactionFilter !== undefined) checkCompactionFilter(env.compactionFilter, 'env.compactionFilter');
  if (plan.kind !== undefined && plan.kind !== 'merge' && plan.kind !== 'drop') {
    throw new InvalidArgumentError(`plan.kind must be 'merge' or 'drop', got ${shownValue(plan.kind)}`);
  }
  if (plan.kind === 'drop' && plan.trivialMove) throw new InvalidArgumentError('a drop plan cannot be a trivial move');
  const mgo = plan.maxGrandparentOverlapBytes;
  if (mgo !== undefined && (typeof mgo !== 'number' || !(mgo >= 1))) {
    throw new InvalidArgumentError(`plan.maxGrandparentOverlapBytes must be >= 1, got ${shownValue(mgo)}`);
  }
  const all: { meta: TableMeta; level: number }[] = [];
  const ids = new Set<number>();
  let prevLevel = -1;
  for (const group of plan.inputs) {
    const level = group?.level;
    if (!Number.isSafeInteger(level) || level <= prevLevel) {
      throw new InvalidArgumentError('plan.inputs must list each level once, in ascending order');
    }
    if (level > plan.outputLevel) throw new InvalidArgumentError(`input level L${level} is below the output level L${plan.outputLevel}`);
    if (!Array.isArray(group.tables)) throw new InvalidArgumentError(`plan.inputs for L${level}: tables must be an array`);
    prevLevel = level;
    let prev: TableMeta | undefined;
    for (const t of group.tables) {
      if (ids.has(t.id)) throw new InvalidArgumentError(`table ${t.id} is listed twice in the plan`);
      ids.add(t.id);
      if (t.rangeTombstones > 0 && plan.kind !== 'drop' && typeof env.openInputTombstones !== 'function') {
        throw new NotSupportedError(`table ${t.id} has range tombstones, and env.openInputTombstones is missing to read them`);
      }
      if (level > 0 && prev !== undefined && !endsBefore(cmp, prev, t.smallest)) {
        throw new InvalidArgumentError(`plan inputs of L${level} must be sorted and disjoint (tables ${prev.id} and ${t.id})`);
      }
      prev = t;
      all.push({ meta: t, level });
    }
  }
  if (all.length === 0) throw new InvalidArgumentError('plan has no input tables');
  return all;
}
