// Per-block compression: none, zstd (@lsm/zstd: zstd-napi's native binding when it loads,
// else the same zstd in WebAssembly; one reused context per thread), or zstd with the
// table's trained dictionary (data blocks only; see dictionary/).
// A block is stored raw when compression does not save at least 1/8 of its size (as
// RocksDB does): decompressing costs more than the bytes it would save. A zstd payload is
// varint64(uncompressed length) + one zstd frame, so the reader allocates the exact output
// size and can check the frame produced exactly that many bytes.

import { CorruptionError, cursor, getVarint64, InvalidArgumentError, isLsmError, NotSupportedError, putVarint, varintLength } from '@lsm/base';
import { checkZstdLevel, DEFAULT_ZSTD_LEVEL, DictionaryCompressor, type DictionaryDecompressor } from '@lsm/zstd-dictionary';
import { zstd, zstdCompressBound } from '@lsm/zstd';

/** Compression a table's blocks may use. */
export type CompressionType = 'none' | 'zstd';

/** The compression id byte in each block trailer. */
export const CompressionId = {
  None: 0,
  Zstd: 1,
  /** zstd with the table's trained dictionary (meta block "lsm.zstd_dictionary"), magicless frame. */
  ZstdDict: 2,
} as const;

/** Largest decompressed block accepted: one max value + max key + entry overhead, with slack. */
export const MAX_BLOCK_CONTENT = 2 ** 32 + 2 ** 20;

/** Compresses blocks for one writer; reuses its output buffer between calls. */
export class BlockCompressor {
  private out = new Uint8Array(0);
  private dict: DictionaryCompressor | undefined;
  /** Blocks that were stored compressed / raw because compression did not pay. */
  compressedBlocks = 0;
  rawBlocks = 0;

  constructor(
    readonly type: CompressionType,
    readonly level: number = DEFAULT_ZSTD_LEVEL,
  ) {
    if (type !== 'none' && type !== 'zstd') throw new InvalidArgumentError(`unknown compression ${String(type)}`);
    if (type === 'zstd') checkZstdLevel(level);
  }

  /**
   * From now on, `compress(raw, true)` uses `dict` (compression id 2). Only for 'zstd'.
   * Throws when zstd refuses the dictionary.
   */
  useDictionary(dict: Uint8Array): void {
    if (this.type !== 'zstd') throw new InvalidArgumentError('a compression dictionary needs zstd compression');
    this.dict = new DictionaryCompressor(dict, this.level);
  }

  /** The dictionary in use, if any. */
  get dictionary(): Uint8Array | undefined {
    return this.dict?.dict;
  }

  /**
   * Returns the compression id and the payload to store: a view into this compressor's
   * buffer (valid until the next call) or `raw` itself when stored uncompressed.
   * `withDictionary` selects the dictionary (when one is set) for this block.
   */
  compress(raw: Uint8Array, withDictionary = false): { id: number; payload: Uint8Array } {
    if (this.type === 'none') return { id: CompressionId.None, payload: raw };
    const head = varintLength(raw.length);
    const bound = head + zstdCompressBound(raw.length);
    if (this.out.length < bound) this.out = new Uint8Array(Math.max(bound, this.out.length * 2));
    putVarint(this.out, 0, raw.length);
    const dict = withDictionary ? this.dict : undefined;
    let n: number;
    if (dict !== undefined) {
      n = dict.compress(this.out.subarray(head), raw);
    } else {
      n = zstd().compress(this.out.subarray(head), raw, this.level);
    }
    const size = head + n;
    if (size > raw.length - (raw.length >>> 3)) {
      this.rawBlocks++;
      return { id: CompressionId.None, payload: raw };
    }
    this.compressedBlocks++;
    return { id: dict !== undefined ? CompressionId.ZstdDict : CompressionId.Zstd, payload: this.out.subarray(0, size) };
  }
}

/** The default allocator of decoded blocks. */
const newBytes = (n: number): Uint8Array => new Uint8Array(n);

/** Largest output of one zstd block (ZSTD_BLOCKSIZE_MAX). */
const ZSTD_MAX_BLOCK_OUTPUT = 128 * 1024;

/**
 * Turns a stored (checksum-verified) payload back into block contents. With id None it
 * returns `payload` itself (no copy); otherwise the contents go to a buffer from `alloc`
 * (a block pool's, or a fresh one). Id 2 needs the table's dictionary (`dict`); a table
 * without one holding such a block is corrupt. `file`/`offset` name the block in errors.
 */
export function decompressBlock(
  id: number,
  payload: Uint8Array,
  file: string,
  offset: number,
  dict?: DictionaryDecompressor,
  alloc: (n: number) => Uint8Array = newBytes,
): Uint8Array {
  if (id === CompressionId.None) return payload;
  if (id !== CompressionId.Zstd && id !== CompressionId.ZstdDict) {
    throw new NotSupportedError(`block at offset ${offset} of ${file} uses unknown compression id ${id}`);
  }
  if (id === CompressionId.ZstdDict && dict === undefined) {
    throw new CorruptionError(file, offset, 'block is compressed with a dictionary but the table has none (or it is not a data block)');
  }
  const len = getVarint64(payload, 0, payload.length);
  if (len < 0 || len > MAX_BLOCK_CONTENT) throw new CorruptionError(file, offset, 'bad uncompressed length in zstd block');
  const head = cursor.pos;
  // zstd cannot expand beyond its best case, an RLE block: 4 bytes (block header + byte)
  // for 128 KiB of output. A claim above that is damage, refused before allocating.
  const maxExpansion = Math.ceil((payload.length - head) / 4) * ZSTD_MAX_BLOCK_OUTPUT;
  if (len > maxExpansion) {
    throw new CorruptionError(file, offset, `zstd block claims ${len} bytes from ${payload.length - head} compressed bytes`);
  }
  let out: Uint8Array;
  try {
    out = alloc(len);
  } catch (err) {
    throw new CorruptionError(file, offset, `cannot allocate ${len} bytes for a zstd block`, { cause: err });
  }
  // Chosen (and loaded) outside the try: zstd being unavailable is not damage.
  const z = id === CompressionId.ZstdDict ? undefined : zstd();
  let n: number;
  try {
    n = z === undefined ? dict!.decompress(out, payload.subarray(head)) : z.decompress(out, payload.subarray(head));
  } catch (err) {
    if (isLsmError(err)) throw err; // e.g. the WebAssembly zstd out of memory: not damage
    throw new CorruptionError(file, offset, `zstd decompression failed (${err instanceof Error ? err.message : String(err)})`, { cause: err });
  }
  if (n !== len) throw new CorruptionError(file, offset, `zstd block decompressed to ${n} bytes, expected ${len}`);
  return out;
}
