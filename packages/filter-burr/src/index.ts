// Public entry point of @lsm/filter-burr: BuRR (bumped ribbon retrieval) approximate
// membership filters over 64-bit key hashes, plus the XXH64 hash to produce them.

export { hash64, hash64Into, type Hash64 } from './hash.js';
export { build } from './build.js';
export { type BuildOptions, DEFAULT_FINGERPRINT_BITS } from './options.js';
export { BurrFilter } from './burr-filter.js';
export { FilterReader, type LayerInfo } from './filter-reader.js';
export { FilterError, type FilterErrorCode } from './errors.js';
