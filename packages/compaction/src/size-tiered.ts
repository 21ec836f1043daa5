// Size-tiered compaction (RocksDB "universal" style, the size-ratio variant of
// Cassandra's STCS): the tree is a stack of sorted runs ordered by age, and runs of
// similar size are merged into one when enough of them accumulate. Lower write
// amplification than leveled, more space and read amplification.
//
// Mapping onto LevelsView: every L0 table is one sorted run (newest first; tables sharing
// their largest seqno, as one bulk ingest's, form one run together); a tree that
// also has deeper levels (written by another strategy) has each non-empty level as one
// more, older run (L1 newer than L2, ...). SizeTiered itself writes only L0: the merge of
// a window of L0 runs is ONE new L0 table; a window that reaches a deeper level's run
// writes into that level (cut near targetTableSize).
//
// Invariants:
// - a plan merges a contiguous window of runs in age order, so the output takes the
//   window's place: every run newer than it is newer than all its data, every run older
//   is older (reads that walk L0 newest first stay correct; key ranges may overlap);
// - an L0 output is a single table (no cutting), so one run stays one table;
// - a window that includes the oldest run is bottommost (deletions can be dropped);
//   otherwise deletions are kept (older runs may hold what they delete).
//
// Picking (in this order, once at least minMergeWidth runs exist):
// 1. space amplification: when (bytes of all runs but the oldest) * 100 / (bytes of the
//    oldest) >= maxSizeAmplificationPercent, merge everything (reason 'size-amplification');
// 2. size ratio: from the newest run, try each start; extend the window with the next
//    older run while its size <= (window bytes) * (100 + sizeRatio) / 100, up to
//    maxMergeWidth runs; the first window of >= minMergeWidth runs wins ('size-ratio');
// 3. run count: with more than maxRuns runs, merge the newest ones (enough to get back to
//    maxRuns, at least 2, at most maxMergeWidth) ('sorted-runs').
// Major compaction merges every run (bottommost). Promises: pure functions of the view.

import { bytewiseComparator, InvalidArgumentError, type Comparator, shownValue } from '@lsm/base';
import { overlappingInSortedLevel, rangeOf } from './key-range.js';
import type { CompactionInput, CompactionPlan, CompactionReason, CompactionStrategy } from './strategy.js';
import { totalBytes, type LevelsView, type TableMeta } from './table-meta.js';

/** Options of the size-tiered strategy. Invalid values throw InvalidArgumentError. */
export interface SizeTieredOptions {
  /** Fewest runs merged at once, and the run count below which nothing is merged. Integer >= 2. Default 4. */
  minMergeWidth?: number;
  /** Most runs merged at once (size-ratio and run-count picks). Integer >= minMergeWidth. Default 32. */
  maxMergeWidth?: number;
  /** Percent of slack when comparing a run's size with the window's. Number >= 0. Default 1. */
  sizeRatio?: number;
  /** Merge everything when newer runs hold this many percent of the oldest run's bytes. Integer >= 0. Default 200. */
  maxSizeAmplificationPercent?: number;
  /** Merge the newest runs when there are more than this many. Integer >= minMergeWidth. Default 24. */
  maxRuns?: number;
  /** Write stall on L0 tables (runs). Integer > maxRuns. Default 2 * maxRuns. */
  l0StallFiles?: number;
  /** Outputs written into a level > 0 are cut near this size. Default: never cut. */
  targetTableSize?: number;
  /** User-key order (must be the engine's). Default bytewise. */
  comparator?: Comparator;
}

/** One sorted run: an L0 table (or the L0 tables of one seqno), or a whole deeper level. */
interface Run {
  readonly level: number;
  tables: readonly TableMeta[];
  bytes: number;
}

export class SizeTiered implements CompactionStrategy {
  readonly name = 'size-tiered';
  readonly l0StallFiles: number;
  readonly options: Readonly<Required<Omit<SizeTieredOptions, 'comparator'>>>;
  private readonly cmp: Comparator;

  constructor(options: SizeTieredOptions = {}) {
    if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('SizeTiered options must be an object');
    const minMergeWidth = int(options.minMergeWidth, 4, 'minMergeWidth', 2);
    const maxMergeWidth = int(options.maxMergeWidth, Math.max(32, minMergeWidth), 'maxMergeWidth', minMergeWidth);
    const sizeRatio = options.sizeRatio ?? 1;
    if (typeof sizeRatio !== 'number' || !Number.isFinite(sizeRatio) || sizeRatio < 0) {
      throw new InvalidArgumentError(`sizeRatio must be a number >= 0, got ${shownValue(options.sizeRatio)}`);
    }
    const maxSizeAmplificationPercent = int(options.maxSizeAmplificationPercent, 200, 'maxSizeAmplificationPercent', 0);
    const maxRuns = int(options.maxRuns, Math.max(24, minMergeWidth), 'maxRuns', minMergeWidth);
    const l0StallFiles = int(options.l0StallFiles, 2 * maxRuns, 'l0StallFiles', maxRuns + 1);
    const targetTableSize = int(options.targetTableSize, Number.MAX_SAFE_INTEGER, 'targetTableSize', 1);
    this.cmp = options.comparator ?? bytewiseComparator;
    if (typeof this.cmp?.compare !== 'function') throw new InvalidArgumentError('SizeTiered: comparator must be a Comparator');
    this.options = Object.freeze({ minMergeWidth, maxMergeWidth, sizeRatio, maxSizeAmplificationPercent, maxRuns, l0StallFiles, targetTableSize });
    this.l0StallFiles = l0StallFiles;
  }

  pick(view: LevelsView): CompactionPlan | null {
    const runs = this.runs(view);
    const o = this.options;
    if (runs.length < o.minMergeWidth) return null;
    // 1. Space amplification.
    const oldest = runs[runs.length - 1]!;
    const newer = runs.reduce((n, r) => n + r.bytes, 0) - oldest.bytes;
    if (newer * 100 >= o.maxSizeAmplificationPercent * Math.max(1, oldest.bytes)) {
      return this.plan('size-amplification', runs, 0, runs.length, view);
    }
    // 2. Size ratio.
    for (let start = 0; start + o.minMergeWidth <= runs.length; start++) {
      let bytes = runs[start]!.bytes;
      let end = start + 1;
      while (end < runs.length && end - start < o.maxMergeWidth && runs[end]!.bytes * 100 <= bytes * (100 + o.sizeRatio)) {
        bytes += runs[end]!.bytes;
        end++;
      }
      if (end - start >= o.minMergeWidth) return this.plan('size-ratio', runs, start, end, view);
    }
    // 3. Too many runs.
    if (runs.length > o.maxRuns) {
      const width = Math.min(o.maxMergeWidth, Math.max(2, runs.length - o.maxRuns + 1));
      return this.plan('sorted-runs', runs, 0, width, view);
    }
    return null;
  }

  /** Every run merged into one (bottommost); null for an empty tree. */
  pickMajor(view: LevelsView): CompactionPlan | null {
    const runs = this.runs(view);
    if (runs.length === 0) return null;
    return this.plan('major', runs, 0, runs.length, view);
  }

  /** The runs, newest first: L0 tables (newest first), then each non-empty deeper level. */
  private runs(view: LevelsView): Run[] {
    if (typeof view !== 'object' || view === null || !Array.isArray(view.levels)) {
      throw new InvalidArgumentError('view.levels must be an array of levels');
    }
    const out: Run[] = [];
    view.levels.forEach((l, level) => {
      if (!Array.isArray(l)) throw new InvalidArgumentError(`view.levels[${level}] must be an array`);
      if (level === 0) {
        // L0 tables with the same largest seqno (the tables of one bulk ingest: disjoint
        // keys, one seqno) are one run. Merged apart, an output holding older versions of
        // one table's keys would share that seqno with it and could be ordered above it.
        const l0 = [...l].sort((a, b) => b.largestSeqno - a.largestSeqno || b.id - a.id);
        for (const t of l0) {
          const last = out[out.length - 1];
          if (last !== undefined && last.level === 0 && last.tables[0]!.largestSeqno === t.largestSeqno) {
            last.tables = [...last.tables, t];
            last.bytes += t.size;
          } else {
            out.push({ level: 0, tables: [t], bytes: t.size });
          }
        }
      } else if (l.length > 0) {
        out.push({ level, tables: l, bytes: totalBytes(l) });
      }
    });
    return out;
  }

  /** Merges runs[start, end) into the deepest level among them. */
  private plan(reason: CompactionReason, runs: readonly Run[], start: number, end: number, view: LevelsView): CompactionPlan {
    const window = runs.slice(start, end);
    const outputLevel = window[window.length - 1]!.level;
    const l0 = window.filter((r) => r.level === 0).flatMap((r) => r.tables);
    const inputs: CompactionInput[] = [];
    if (l0.length > 0) inputs.push({ level: 0, tables: l0 });
    for (const r of window) if (r.level > 0) inputs.push({ level: r.level, tables: r.tables });
    const bottommost = end === runs.length;
    // Older runs in deeper levels are sorted levels: tell runCompaction which overlap, so
    // deletions of keys they cannot hold still go. Older L0 runs cannot be described so.
    const olderInL0 = runs.slice(end).some((r) => r.level === 0);
    let deeperTables: { level: number; tables: TableMeta[] }[] | undefined;
    if (!bottommost && !olderInL0) {
      const range = rangeOf(this.cmp, window.flatMap((r) => r.tables));
      deeperTables = [];
      for (let i = outputLevel + 1; i < view.levels.length; i++) {
        const tables = overlappingInSortedLevel(this.cmp, view.levels[i]!, range);
        if (tables.length > 0) deeperTables.push({ level: i, tables });
      }
    }
    return {
      reason,
      inputs,
      outputLevel,
      trivialMove: false,
      bottommost,
      // One run stays one table in L0.
      targetTableSize: outputLevel === 0 ? Number.MAX_SAFE_INTEGER : this.options.targetTableSize,
      ...(deeperTables !== undefined ? { deeperTables } : {}),
    };
  }
}

function int(v: number | undefined, dflt: number, name: string, min: number): number {
  const x = v ?? dflt;
  if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < min) {
    throw new InvalidArgumentError(`${name} must be an integer >= ${min}, got ${shownValue(v)}`);
  }
  return x;
}
