// Public entry of @lsm/compaction: the strategy interface and the strategies (Leveled,
// SizeTiered, Fifo: what to compact), runCompaction (doing it: merge, MVCC garbage
// collection, range tombstones, merge operands, compaction filters, output cutting),
// and the building blocks the engine and tools may reuse (GcIterator, LevelIterator,
// key-range helpers, level sizing).

export type { TableMeta, LevelsView, TableBoundsProperties } from './table-meta.js';
export { totalBytes, compensatedSize, tableIds, tableMetaFromProperties } from './table-meta.js';
export type { CompactionPlan, CompactionInput, CompactionReason, CompactionKind, CompactionStrategy } from './strategy.js';
export { Leveled, type LeveledOptions, type ResolvedLeveledOptions, type LevelStats } from './leveled.js';
export { SizeTiered, type SizeTieredOptions } from './size-tiered.js';
export { Fifo, type FifoOptions } from './fifo.js';
export { computeLevelTargets, computeScores, type LevelTargets, type LevelSizingOptions } from './level-sizing.js';
export {
  rangeOf,
  unionRange,
  rangesOverlap,
  rangeContains,
  endsBefore,
  compareUpper,
  overlapsSpan,
  levelOverlapsSpan,
  overlappingInSortedLevel,
  overlappingInL0,
  pairwiseDisjoint,
  ascendingKeyProbe,
  firstTableEndingAtOrAfter,
  type KeyRange,
} from './key-range.js';
export { SnapshotStripes } from './snapshot-stripes.js';
export { GcIterator, emptyGcStats, type GcOptions, type GcStats } from './gc-iterator.js';
export { collectRangeTombstones, type RangeTombstoneGcResult } from './range-tombstone-gc.js';
export {
  checkCompactionFilter,
  ttlFilter,
  encodeTtlValue,
  decodeTtlValue,
  TTL_PREFIX_BYTES,
  type CompactionFilter,
  type CompactionFilterDecision,
  type CompactionFilterInfo,
} from './compaction-filter.js';
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
