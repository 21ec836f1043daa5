// Public entry of @lsm/engine: the Tree, its batches and snapshots, options, stats and
// the typed errors (the whole @lsm error family, re-exported); which zstd runs (native or
// WebAssembly) and how to force one.

export { Tree, type WriteOptions, type ReadOptions, type RangeOptions, type KeyRange, type CheckpointResult, type CatchUpResult, type VerifyOptions, type VerifyReport, type StoreProblem, type StoreProblemKind, type Change, type ChangesOptions } from './tree.js';
export type { ChangeIterator } from './read/change-iterator.js';
export { WriteBatch, type CommitOptions } from './write/write-batch.js';
export { salvageStore, type SalvageOptions, type SalvageReport, type SalvageProblem } from './ops/salvage.js';
export { Snapshot } from './snapshot.js';
export type { DbIterator } from './read/db-iterator.js';
export type { TreeOptions, CompressionOption } from './options.js';
export { fixedPrefixExtractor, ttlFilter } from './jobs/built-in-functions.js';
export { loadableOnWorker } from './jobs/user-functions.js';
export type { PrefixExtractor } from '@lsm/sstable';
export type { KvSeparationOptions } from './blob/kv-separation-options.js';
export type { TreeStats, BlobStats } from './stats.js';
export type { JobStats, StallStats } from './jobs/background.js';
export { JobScheduler } from './jobs/inline-runner.js';
export type { Bytes } from './coerce.js';
export {
  LsmError,
  CorruptionError,
  InvalidArgumentError,
  IoError,
  NoSpaceError,
  NotSupportedError,
  ClosedError,
  LockedError,
  NotFoundError,
  ReadOnlyError,
  HistoryGoneError,
  isLsmError,
  type LsmErrorCode,
} from './errors.js';
export {
  Leveled,
  type CompactionStrategy,
  type LeveledOptions,
  type MergeOperator,
  SizeTiered,
  type SizeTieredOptions,
  Fifo,
  type FifoOptions,
  type CompactionFilter,
  type CompactionFilterDecision,
  encodeTtlValue,
  decodeTtlValue,
  counterAdd,
  appendWithSeparator,
  encodeU64,
  decodeU64,
} from '@lsm/compaction';
export { bytewiseComparator, type Comparator } from '@lsm/base';
export type { EncryptionOptions } from '@lsm/encryption';
export { zstdBackend, zstdNativeFailure, setZstdBackend, type ZstdBackendName, type ZstdBackendChoice } from '@lsm/zstd';
