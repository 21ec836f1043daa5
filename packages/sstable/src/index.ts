// Public entry of @lsm/sstable: the table writer and reader, table iterators, the shared
// block cache, table verification, blob files, compression and table dictionaries.
// It also re-exports, unchanged, the names it exported before they moved to the packages
// below it (@lsm/base, @lsm/encryption, @lsm/zstd-dictionary), so code that imported
// them from here keeps working; new code should import them from their owners.

// Re-exported from @lsm/base: the typed errors of the @lsm packages, byte coding and
// checksums (shared with the engine's own formats: WAL, manifest), comparators, internal
// keys, the iterator contract, the array and merging iterators, fragmented range tombstones.
export {
  LsmError,
  CorruptionError,
  InvalidArgumentError,
  NotSupportedError,
  IoError,
  isLsmError,
  toIoError,
  type LsmErrorCode,
  ByteSink,
  cursor,
  getVarint32,
  getVarint64,
  putVarint,
  varintLength,
  getU32,
  putU32,
  getU64,
  putU64,
  xxh32,
  xxh64,
  xxh64Hex,
  FileHasher,
  bytewiseComparator,
  compareBytes,
  type Comparator,
  ValueType,
  VALUE_TYPE_NAMES,
  MAX_SEQNO,
  MAX_KEY_LENGTH,
  MAX_VALUE_LENGTH,
  RANGE_TOMBSTONE_TYPE,
  encodeInternalKey,
  decodeInternalKey,
  type InternalKey,
  type InternalIterator,
  type Entry,
  ArrayIterator,
  compareEntries,
  MergingIterator,
  type RangeTombstone,
  FragmentedRangeTombstones,
  newestAtOrBelow,
  type TombstoneFragment,
} from '@lsm/base';
// Re-exported from @lsm/zstd-dictionary: the zstd level helpers and the dictionary trainer.
export {
  checkZstdLevel,
  DEFAULT_ZSTD_LEVEL,
  trainDictionary,
  MIN_DICTIONARY_BYTES,
  MAX_DICTIONARY_BYTES,
  type TrainDictionaryOptions,
} from '@lsm/zstd-dictionary';
// Re-exported from @lsm/encryption (all of it: exactly the names this package exported
// before encryption moved there): encryption at rest (AES-256-GCM) -- keys, the per-file
// header, and the block cipher that tables, logs, manifests and blob files share.
export * from '@lsm/encryption';

// What this package owns: tables, blocks, the block cache, filters, compression, blob files.
export { BlockCache, type BlockCacheOptions, type BlockCacheStats } from './block-cache.js';
export { BlockPool } from './block-pool.js';
export { keyHash, type Hash64, type FilterOptions } from './filter-block.js';
export { fixedPrefixExtractor, type PrefixExtractor } from './prefix-extractor.js';
export type { CompressionType } from './compression.js';
export { checkDictionaryOptions, type TableDictionaryOptions } from './dictionary/table-dictionary.js';
export type { TableProperties } from './properties.js';
export { FORMAT_VERSION, ENCRYPTED_FORMAT_VERSION } from './footer.js';
export { TableWriter, type TableWriterOptions, type FinishedTable } from './table-writer.js';
export { Table, type TableOptions, type TableGetResult } from './table.js';
export { TableIterator, type TableIteratorOptions } from './table-iterator.js';
export { tableVerify, type VerifyResult, type VerifyProblem, type TableVerifyOptions } from './verify.js';
// Blob files (K/V separation): separated values, pointed at by Indirection entries.
export { BlobFileWriter, type BlobWriterOptions, type FinishedBlobFile } from './blob-writer.js';
export { BlobFileReader, type BlobRecord, type BlobReaderOptions, type BlobVerifyResult } from './blob-reader.js';
export { type BlobPointer, encodeBlobPointer, decodeBlobPointer } from './blob-pointer.js';
export { BLOB_FORMAT_VERSION, BLOB_HEADER_SIZE, BLOB_FOOTER_SIZE, BlobFlags } from './blob-format.js';
export { chooseBlobDictionary } from './dictionary/blob-dictionary.js';
// Salvage: what can still be read from a damaged table.
export { TableSalvager, type TableSalvageLoss, type TableSalvageOptions, type SalvagedEntry } from './salvage.js';
