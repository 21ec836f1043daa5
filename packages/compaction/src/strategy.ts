// The contract between the engine and a compaction strategy: the engine shows the
// strategy the tree (a LevelsView), the strategy answers with a CompactionPlan (what to
// merge, where the output goes) or null, and the engine executes the plan (runCompaction,
// a manifest-only move for trivial moves, or a manifest-only removal for drop plans).
// Strategies are pure deciders: they never do I/O and never mutate the view (Fifo reads
// a clock). Leveled, SizeTiered and Fifo implement it.

import type { LevelsView, TableMeta } from './table-meta.js';

/** Why a plan was made. Strategies may add their own reasons. */
export type CompactionReason =
  | 'l0-files'
  | 'level-size'
  | 'major'
  | 'intra-l0'
  | 'size-ratio'
  | 'size-amplification'
  | 'sorted-runs'
  | 'fifo-ttl'
  | 'fifo-size'
  | (string & {});

/**
 * How the engine executes a plan:
 * - 'merge' (the default when `kind` is absent): runCompaction, or a manifest-only move
 *   when `trivialMove` is true;
 * - 'drop' (a "deletion compaction", Fifo): the inputs are removed from the tree by a
 *   manifest edit alone, nothing is read or written, no outputs. runCompaction accepts a
 *   drop plan too and returns an empty result without opening anything, so an engine that
 *   ignores `kind` still executes it correctly.
 */
export type CompactionKind = 'merge' | 'drop';

/** Tables of one level that a compaction consumes. */
export interface CompactionInput {
  readonly level: number;
  /** For level > 0: sorted by smallest key and disjoint, like the level itself. */
  readonly tables: readonly TableMeta[];
}

/**
 * One compaction: merge `inputs` and write the result into `outputLevel`.
 *
 * Invariants a strategy guarantees (and runCompaction relies on):
 * - inputs are listed by level, ascending, each level at most once; for each key in
 *   their range they hold one contiguous stretch of its history: nothing newer than an
 *   input entry is left below the inputs, and nothing older than one above them (usually
 *   every version at those levels; an intra-L0 or size-tiered plan takes only the newest
 *   L0 tables, with older ones left below it);
 * - `bottommost` / `deeperTables` describe everything older that may exist for the
 *   inputs' keys (a plan that cannot say leaves deeperTables out and bottommost false);
 * - any input tables already in `outputLevel` are listed as the input of that level;
 * - after the engine replaces the inputs by the outputs, `outputLevel` (if > 0) is still
 *   sorted and disjoint, and L0 stays ordered newest first with no key's versions out of
 *   order (an L0 output replaces a newest-first contiguous run of L0 tables);
 * - a 'drop' plan removes, for each key, only its oldest data: nothing older than a dropped
 *   table's data is left in the tree (Fifo drops from the oldest end).
 */
export interface CompactionPlan {
  /** How to execute it (absent: 'merge'). A 'drop' plan has trivialMove false. */
  readonly kind?: CompactionKind;
  readonly reason: CompactionReason;
  readonly inputs: readonly CompactionInput[];
  readonly outputLevel: number;
  /**
   * The inputs can be moved to `outputLevel` by a manifest edit alone (no rewrite):
   * nothing in the output level overlaps them and they do not overlap each other.
   * Executing the plan with runCompaction instead is also correct (it rewrites them,
   * e.g. to change compression).
   */
  readonly trivialMove: boolean;
  /**
   * No table below `outputLevel` overlaps the inputs' key range: nothing older than the
   * inputs exists for any of their keys, so deletions may be dropped (subject to
   * snapshots).
   */
  readonly bottommost: boolean;
  /** Outputs are cut near this many bytes (never inside one user key's versions). */
  readonly targetTableSize: number;
  /**
   * Optional: for each level below `outputLevel` (ascending, levels with no overlap
   * omitted), the tables overlapping the inputs' key range, sorted by smallest key.
   * When bottommost is false this lets the execution drop a deletion of a key no deeper
   * table can hold (LevelDB's IsBaseLevelForKey); without it deletions survive until a
   * bottommost compaction. The first entry also serves as the "grandparent" level for
   * output cutting.
   */
  readonly deeperTables?: readonly { readonly level: number; readonly tables: readonly TableMeta[] }[];
  /**
   * Optional: cut an output table once it overlaps more than this many bytes of the
   * first deeper level (LevelDB's max grandparent overlap), so no output table makes a
   * later compaction of it huge. Absent: no such cutting.
   */
  readonly maxGrandparentOverlapBytes?: number;
}

/** A compaction policy. Implementations are pure: no I/O, the view is not mutated. */
export interface CompactionStrategy {
  /** For logs and stats ("leveled", ...). */
  readonly name: string;
  /**
   * The most urgent compaction for this tree, or null when nothing needs compacting.
   * The engine calls this after each flush and after each compaction, and keeps
   * executing plans until it returns null. Assumes no compaction is running.
   */
  pick(view: LevelsView): CompactionPlan | null;
  /**
   * A major (manual, full) compaction: everything merged into the bottommost level, so
   * every version no snapshot needs and every deletion is dropped. Null when the tree is
   * empty. An array holds independent plans with disjoint inputs, runnable in any order.
   */
  pickMajor(view: LevelsView): CompactionPlan[] | CompactionPlan | null;
  /**
   * Write-stall threshold: the engine stops accepting writes while L0 holds this many
   * tables or more (until compaction brings the count down).
   */
  readonly l0StallFiles: number;
}
