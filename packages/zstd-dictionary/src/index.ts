// Public entry of @lsm/zstd-dictionary: trains zstd dictionaries in TypeScript (zstd-napi
// does not expose zstd's own trainer; works over either @lsm/zstd backend) and compresses and decompresses with one in small
// "magicless" frames. Useful to anyone compressing many small records or blocks with
// zstd. Promises: training is deterministic (same samples and options, same bytes); a
// trained structured dictionary is one zstd itself accepts (RFC 8878); bad options are
// LSM_INVALID_ARGUMENT naming the option. Also the zstd level default and check that
// every @lsm writer shares.

export {
  trainDictionary,
  compressedSize,
  MIN_DICTIONARY_BYTES,
  MAX_DICTIONARY_BYTES,
  type TrainDictionaryOptions,
} from './zstd-dictionary-trainer.js';
export { DictionaryCompressor, DictionaryDecompressor, dictionaryIdOf, ZSTD_DICTIONARY_MAGIC } from './zstd-dictionary-codec.js';
export { checkZstdLevel, DEFAULT_ZSTD_LEVEL } from './zstd-level.js';
