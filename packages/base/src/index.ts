// Public entry of @lsm/base: what every layer of the @lsm storage engine shares -- the
// typed errors of the error contract, byte coding (varints, fixed-width integers),
// checksums (xxHash), comparators, internal keys, the iterator contract with the array and
// merging iterators, and fragmented range tombstones. It depends on @lsm/fs only (to
// recognise its errors). Everything is synchronous, loading included: the xxHash
// WebAssembly module is compiled on the first checksum. Test helpers are in the separate
// entry @lsm/base/testing.

export {
  LsmError,
  CorruptionError,
  InvalidArgumentError,
  NotSupportedError,
  IoError,
  NoSpaceError,
  closedError,
  isLsmError,
  toIoError,
  type LsmErrorCode,
} from './errors.js';
export {
  MAX_VARINT64,
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
export { xxh32, xxh64, xxh64Hex, FileHasher, blockChecksum, blockChecksumSeed } from './checksum.js';
export {
  bytewiseComparator,
  compareBytes,
  compareBytesAt,
  bytesEqual,
  isBytewise,
  prefixSuccessor,
  type Comparator,
} from './comparator.js';
export {
  ValueType,
  VALUE_TYPE_NAMES,
  MAX_VALUE_TYPE,
  MAX_SEQNO,
  MAX_KEY_LENGTH,
  MAX_VALUE_LENGTH,
  RANGE_TOMBSTONE_TYPE,
  TRAILER_SIZE,
  checkSeqno,
  checkUserKey,
  checkProbe,
  checkValue,
  checkValueType,
  putTrailer,
  getTrailerSeqno,
  encodeInternalKey,
  decodeInternalKey,
  type InternalKey,
} from './internal-key.js';
export type { InternalIterator, Entry } from './iterator.js';
export { ArrayIterator, compareEntries } from './array-iterator.js';
export { copyOf } from './copy-of.js';
export { shownValue } from './shown-value.js';
export { MergingIterator } from './merging-iterator.js';
export {
  FragmentedRangeTombstones,
  newestAtOrBelow,
  type RangeTombstone,
  type TombstoneFragment,
} from './fragmented-range-tombstones.js';
