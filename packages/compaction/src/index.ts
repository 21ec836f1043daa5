// Public entry of @lsm/compaction: the strategy interface and the leveled strategy (what
// to compact), runCompaction (doing it: merge, MVCC garbage collection, output cutting),
// and the building blocks the engine and tools may reuse (GcIterator, LevelIterator,
// key-range helpers, level sizing).

export type { TableMeta, LevelsView } from './table-meta.js';
export { totalBytes, compensatedSize, tableIds } from './table-meta.js';
export type { CompactionPlan, CompactionInput, CompactionReason, CompactionStrategy } from './strategy.js';
export { Leveled, type LeveledOptions, type ResolvedLeveledOptions, type LevelStats } from './leveled.js';
export { computeLevelTargets, computeScores, type LevelTargets, type LevelSizingOptions } from './level-sizing.js';
export {
  rangeOf,
  unionRange,
  rangesOverlap,
  rangeContains,
  overlappingInSortedLevel,
  overlappingInL0,
  pairwiseDisjoint,
  ascendingKeyProbe,
  firstTableEndingAtOrAfter,
  type KeyRange,
} from './key-range.js';
export { SnapshotStripes } from './snapshot-stripes.js';
export { GcIterator, type GcOptions, type GcStats } from './gc-iterator.js';
export { LevelIterator } from './level-iterator.js';
export type { CompactionOutput, OutputTableWriter } from './output-splitter.js';
export { runCompaction, type CompactionEnv, type CompactionResult } from './run-compaction.js';
export { compactionFailure, type CompactionFailure } from './failure.js';
export {
  checkMergeOperator,
  counterAdd,
  appendWithSeparator,
  encodeU64,
  decodeU64,
  type MergeOperator,
} from './merge-operator.js';
