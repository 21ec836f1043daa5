// The contract between the engine and a compaction strategy: the engine shows the
// strategy the tree (a LevelsView), the strategy answers with a CompactionPlan (what to
// merge, where the output goes) or null, and the engine executes the plan (runCompaction,
// or a manifest-only move for trivial moves). Strategies are pure deciders: they never
// do I/O and never mutate the view. Leveled is the first; size-tiered and FIFO will
// implement the same interface.

import type { LevelsView, TableMeta } from './table-meta.js';

/** Why a plan was made. Strategies may add their own reasons. */
export type CompactionReason = 'l0-files' | 'level-size' | 'major' | (string & {});

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
 * - inputs are listed by level, ascending, each level at most once; together they hold
 *   every version of every key in their key range that lives at those levels, so the
 *   merged stream is the complete history of each key above the deeper levels;
 * - any input tables already in `outputLevel` are listed as the input of that level;
 * - after the engine replaces the inputs by the outputs, `outputLevel` (if > 0) is still
 *   sorted and disjoint.
 */
export interface CompactionPlan {
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
