// Public entry of @lsm/zstd: zstd that works wherever the package installs. zstd-napi's
// native binding is the fast path, loaded on first use (never at import); when it is
// missing or fails to load, zstd 1.5.7 compiled to WebAssembly takes over with the same
// synchronous API, the same bytes and the same dictionaries, so data written by one is read
// by the other. zstdBackend() says which one runs; LSM_ZSTD or setZstdBackend() forces one.

export {
  ZSTD_MIN_LEVEL,
  ZSTD_MAX_LEVEL,
  zstdCompressBound,
  type ZstdBackend,
  type ZstdBackendName,
  type ZstdDictionaryCompressor,
  type ZstdDictionaryDecompressor,
  type ZstdFrameFormat,
} from './zstd-backend.js';
export {
  zstd,
  zstdBackend,
  zstdBackendInUse,
  zstdNativeFailure,
  setZstdBackend,
  NATIVE_ZSTD_ADVICE,
  type ZstdBackendChoice,
} from './select-backend.js';
export { loadNativeZstd } from './native-backend.js';
export { loadWasmZstd } from './wasm-backend.js';
