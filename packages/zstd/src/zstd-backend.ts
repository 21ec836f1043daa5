// The interface both zstd implementations (zstd-napi's native binding, and the same zstd
// compiled to WebAssembly) offer to the @lsm packages: one-shot frames with a reused
// context, and compression/decompression with a prepared dictionary in a chosen frame
// format. Both are zstd 1.5.7, so they write the same bytes and read each other's frames.
// Also what needs no implementation at all: the level range and the output bound.

/** Which implementation runs: zstd-napi's native binding, or zstd compiled to WebAssembly. */
export type ZstdBackendName = 'native' | 'wasm';

/** Lowest zstd level (ZSTD_minCLevel() of zstd 1.5.x); both backends report it (tested). */
export const ZSTD_MIN_LEVEL = -131072;
/** Highest zstd level (ZSTD_maxCLevel()). */
export const ZSTD_MAX_LEVEL = 22;

/** ZSTD_COMPRESSBOUND: the largest frame `zstdCompress` can write for `size` input bytes. */
export function zstdCompressBound(size: number): number {
  const LIMIT = 128 << 10;
  return size + Math.floor(size / 256) + (size < LIMIT ? (LIMIT - size) >>> 11 : 0);
}

/** Header fields of the frames a dictionary compressor writes (zstd's frame parameters). */
export interface ZstdFrameFormat {
  /** Leave out the 4-byte magic number (ZSTD_f_zstd1_magicless); the reader must say so too. */
  readonly magicless: boolean;
  /** Record the uncompressed size in the header. */
  readonly contentSize: boolean;
  /** Append a 32-bit checksum of the content. */
  readonly checksum: boolean;
  /** Record the dictionary id in the header. */
  readonly dictionaryId: boolean;
}

/** A compression context with one dictionary loaded, for one writer. */
export interface ZstdDictionaryCompressor {
  /** Compresses `src` into `dst` as one frame; returns its size. zstd's errors throw. */
  compress(dst: Uint8Array, src: Uint8Array): number;
}

/** A dictionary prepared for decompression (zstd's DDict). */
export interface ZstdDictionaryDecompressor {
  /** The dictionary id zstd read from it (0 for raw content). */
  readonly dictionaryId: number;
  /** Decompresses one frame into `dst`; returns the bytes produced. zstd's errors throw. */
  decompress(dst: Uint8Array, frame: Uint8Array): number;
}

/** One zstd implementation. Errors are plain Errors carrying zstd's message; callers type them. */
export interface ZstdBackend {
  readonly name: ZstdBackendName;
  /** ZSTD_versionNumber(): 10507 for 1.5.7. */
  readonly versionNumber: number;
  /** ZSTD_minCLevel() / ZSTD_maxCLevel() as the library reports them. */
  readonly minLevel: number;
  readonly maxLevel: number;
  /** Compresses `src` into `dst` as one standard frame at `level`; returns its size. */
  compress(dst: Uint8Array, src: Uint8Array, level: number): number;
  /** Decompresses the standard frame(s) in `src` into `dst`; returns the bytes produced. */
  decompress(dst: Uint8Array, src: Uint8Array): number;
  /**
   * A compressor with `dict` loaded at `level`, writing frames in `format`. zstd digests the
   * dictionary on first use: a malformed one throws from the first `compress`.
   */
  dictionaryCompressor(dict: Uint8Array, level: number, format: ZstdFrameFormat): ZstdDictionaryCompressor;
  /** `dict` prepared for frames in the given format; throws when zstd refuses it. */
  dictionaryDecompressor(dict: Uint8Array, format: { readonly magicless: boolean }): ZstdDictionaryDecompressor;
}

/** zstd's parameter numbers (ZSTD_cParameter / ZSTD_dParameter, zstd.h of 1.5.x). */
export const ZstdParam = {
  compressionLevel: 100,
  contentSizeFlag: 200,
  checksumFlag: 201,
  dictIdFlag: 202,
  /** ZSTD_c_format (experimental parameter 2). */
  cFormat: 10,
  /** ZSTD_d_format (experimental parameter 1). */
  dFormat: 1000,
  /** ZSTD_f_zstd1_magicless. */
  magicless: 1,
} as const;
