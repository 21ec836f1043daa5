// zstd with a table's dictionary (block compression id 2). A dictionary is prepared once:
// the writer keeps one compression context with the dictionary loaded (zstd builds its
// CDict inside it once), a reader keeps one DDict per table. Frames are written in zstd's
// "magicless" format with no content size, no checksum and no dictionary id: the block
// payload already carries the length, the block trailer the checksum, and the table names
// its one dictionary, so those header fields would be 9 bytes of waste on every 4 KiB
// block. What is left of the frame header is 2 bytes (descriptor + window). zstd is
// @lsm/zstd's backend of the moment (native or WebAssembly, the same bytes either way).

import { CorruptionError } from '@lsm/base';
import { zstd, type ZstdDictionaryCompressor, type ZstdDictionaryDecompressor, type ZstdFrameFormat } from '@lsm/zstd';

/** The frames written: magicless, no content size, no checksum, no dictionary id. */
const FRAME: ZstdFrameFormat = { magicless: true, contentSize: false, checksum: false, dictionaryId: false };

/** zstd's magic number for a structured dictionary (entropy tables + content). */
export const ZSTD_DICTIONARY_MAGIC = 0xec30a437;

/**
 * The dictionary id recorded for `dict`: the id in its header for a structured zstd
 * dictionary, 0 for a raw-content one.
 */
export function dictionaryIdOf(dict: Uint8Array): number {
  if (dict.length >= 8 && readU32(dict, 0) === ZSTD_DICTIONARY_MAGIC) return readU32(dict, 4);
  return 0;
}

function readU32(b: Uint8Array, p: number): number {
  return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
}

/** A compression context bound to one dictionary and level, for one writer. */
export class DictionaryCompressor {
  private readonly cctx: ZstdDictionaryCompressor;

  /** zstd digests `dict` on first use: a malformed one throws (zstd's error) from the first compress. */
  constructor(
    readonly dict: Uint8Array,
    readonly level: number,
  ) {
    this.cctx = zstd().dictionaryCompressor(dict, level, FRAME);
  }

  /** Compresses `src` into `dst` (at least zstdCompressBound(src.length) bytes); returns the size. */
  compress(dst: Uint8Array, src: Uint8Array): number {
    return this.cctx.compress(dst, src);
  }
}

/** A table's dictionary prepared for decompression (one per open table). */
export class DictionaryDecompressor {
  private readonly ddict: ZstdDictionaryDecompressor;
  readonly id: number;
  readonly byteLength: number;

  /** `file`/`offset` name the dictionary block in the error when zstd refuses it. */
  constructor(dict: Uint8Array, file: string, offset: number) {
    const z = zstd(); // outside the try: zstd being unavailable is not a damaged dictionary
    try {
      this.ddict = z.dictionaryDecompressor(dict, FRAME);
    } catch (err) {
      throw new CorruptionError(file, offset, `zstd dictionary cannot be loaded (${err instanceof Error ? err.message : String(err)})`, { cause: err });
    }
    this.id = dictionaryIdOf(dict);
    this.byteLength = dict.length;
  }

  /** Decompresses one magicless frame into `dst`; returns the bytes produced (zstd errors throw). */
  decompress(dst: Uint8Array, frame: Uint8Array): number {
    return this.ddict.decompress(dst, frame);
  }
}
