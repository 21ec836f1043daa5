// Public entry of @lsm/sstable: internal keys, the table writer and reader, iterators
// (table, merging, array), the shared block cache, table verification, and the typed
// errors of the @lsm packages. Importing it waits once for xxhash-wasm to compile
// (top-level await in checksum.ts); everything is synchronous afterwards.

export {
  LsmError,
  CorruptionError,
  InvalidArgumentError,
  NotSupportedError,
  IoError,
  isLsmError,
  toIoError,
  type LsmErrorCode,
} from './errors.js';
// Byte coding and checksums, shared with the engine's own formats (WAL, manifest).
export {
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
} from './coding.js';
export { xxh32, xxh64, xxh64Hex, FileHasher } from './checksum.js';
export { bytewiseComparator, compareBytes, type Comparator } from './comparator.js';
export {
  ValueType,
  VALUE_TYPE_NAMES,
  MAX_SEQNO,
  MAX_KEY_LENGTH,
  MAX_VALUE_LENGTH,
  RANGE_TOMBSTONE_TYPE,
  encodeInternalKey,
  decodeInternalKey,
  type InternalKey,
} from './internal-key.js';
export type { InternalIterator, Entry } from './iterator.js';
export { ArrayIterator, compareEntries } from './array-iterator.js';
export { MergingIterator } from './merging-iterator.js';
export { BlockCache, type BlockCacheStats } from './block-cache.js';
export { keyHash, type Hash64, type FilterOptions } from './filter-block.js';
export { fixedPrefixExtractor, type PrefixExtractor } from './prefix-extractor.js';
export { checkZstdLevel, DEFAULT_ZSTD_LEVEL, type CompressionType } from './compression.js';
export {
  trainDictionary,
  MIN_DICTIONARY_BYTES,
  MAX_DICTIONARY_BYTES,
  type TrainDictionaryOptions,
} from './dictionary/zstd-dictionary-trainer.js';
export { checkDictionaryOptions, type TableDictionaryOptions } from './dictionary/table-dictionary.js';
export type { RangeTombstone } from './range-tombstone-block.js';
export { FragmentedRangeTombstones, newestAtOrBelow, type TombstoneFragment } from './fragmented-range-tombstones.js';
export type { TableProperties } from './properties.js';
export { FORMAT_VERSION, ENCRYPTED_FORMAT_VERSION } from './footer.js';
// Encryption at rest (AES-256-GCM): keys, the per-file header, and the block cipher that
// tables, logs, manifests and blob files share.
export { KeyRing, keyIdOf, keyIdHex, ENCRYPTION_KEY_LENGTH, type EncryptionOptions } from './encryption-keys.js';
export {
  FileKind,
  ENCRYPTION_HEADER_SIZE,
  GCM_TAG_LENGTH,
  hasEncryptionMagic,
  decodeEncryptionHeader,
  type EncryptionHeader,
} from './encryption-header.js';
export { FileCipher, BlockType, ENCRYPTION_OVERHEAD } from './file-cipher.js';
export { gcmBackend, setGcmBackend, type GcmBackend } from './aes-gcm.js';
export { TableWriter, type TableWriterOptions, type FinishedTable } from './table-writer.js';
export { Table, type TableOptions, type TableGetResult } from './table.js';
export { TableIterator, type TableIteratorOptions } from './table-iterator.js';
export { tableVerify, type VerifyResult, type VerifyProblem } from './verify.js';
// Blob files (K/V separation): separated values, pointed at by Indirection entries.
export { BlobFileWriter, type BlobWriterOptions, type FinishedBlobFile } from './blob-writer.js';
export { BlobFileReader, type BlobRecord, type BlobReaderOptions } from './blob-reader.js';
export { type BlobPointer, encodeBlobPointer, decodeBlobPointer } from './blob-pointer.js';
export { BLOB_FORMAT_VERSION, BLOB_HEADER_SIZE, BLOB_FOOTER_SIZE, BlobFlags } from './blob-format.js';
export { chooseBlobDictionary } from './dictionary/blob-dictionary.js';
