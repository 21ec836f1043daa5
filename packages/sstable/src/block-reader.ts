// Reading blocks in the layout BlockBuilder writes. `Block` validates the restart array
// once; `decodeBlockEntries` decodes a whole small block (index, metaindex, properties,
// range tombstones) into key/value views. Data blocks are walked by DataBlockIter
// (data-block-iterator.ts); both decode entry headers with decodeEntryHeader. Decoding
// never reads out of bounds: any inconsistency is a
// CorruptionError naming the file and the block's offset. Views returned point into the
// block's own bytes, which are never reused or mutated, so they stay valid as long as the
// caller holds them.

import { cursor, getU32, getVarint32, getVarint64, CorruptionError } from '@lsm/base';

/** Compares `buf[off, off+len)` with `key`: the comparator, applied without making views where possible. */
export type CompareAt = (buf: Uint8Array, off: number, len: number, key: Uint8Array) => number;

/** A decoded (uncompressed, checksum-verified) block and its restart array. */
export class Block {
  /** Where the restart array starts: entries occupy data[0, restartsOffset). */
  readonly restartsOffset: number;
  readonly numRestarts: number;

  /**
   * Readers positioned in this block (DataBlockIter pins the block it is reset to). The
   * block cache gives a pooled block's buffer back for reuse only while this is 0.
   */
  pins = 0;

  constructor(
    readonly data: Uint8Array,
    /** File the block came from, for error messages. */
    readonly file: string,
    /** The block's offset in the file, for error messages. */
    readonly fileOffset: number,
    /** True when `data` came from the block cache's BlockPool (and goes back to it on eviction). */
    readonly pooled = false,
  ) {
    const len = data.length;
    if (len < 4) throw this.corrupt('block shorter than its restart count');
    const n = getU32(data, len - 4);
    if (n === 0 || n > (len - 4) / 4) throw this.corrupt(`bad restart count ${n}`);
    this.numRestarts = n;
    this.restartsOffset = len - 4 - n * 4;
    if (getU32(data, this.restartsOffset) !== 0) throw this.corrupt('first restart point is not 0');
  }

  /** Offset of restart point `i`, validated. */
  restart(i: number): number {
    const off = getU32(this.data, this.restartsOffset + i * 4);
    if (off >= this.restartsOffset && !(off === 0 && this.restartsOffset === 0)) {
      throw this.corrupt(`restart point ${i} (${off}) is outside the entries`);
    }
    return off;
  }

  /** Approximate memory held, for the block cache's accounting. */
  get charge(): number {
    return (this.pooled ? this.data.buffer.byteLength : this.data.byteLength) + 160;
  }

  corrupt(detail: string): CorruptionError {
    return new CorruptionError(this.file, this.fileOffset, detail);
  }
}

/**
 * The lengths of the entry header decodeEntryHeader read last: one shared object, so the
 * data-block hot paths decode without allocating. Valid until the next call.
 */
export const entryHeader = { shared: 0, unshared: 0, valueLength: 0 };

/**
 * Decodes the header of the entry at `p` (varint32 shared, varint32 unshared, varint64
 * value length) into `entryHeader` and returns the offset just past it, or -1 when the
 * header is malformed or runs past `limit`. Fast path: all three lengths fit one byte.
 */
export function decodeEntryHeader(data: Uint8Array, p: number, limit: number): number {
  const b0 = data[p]!;
  const b1 = data[p + 1]!;
  const b2 = data[p + 2]!;
  if ((b0 | b1 | b2) < 0x80 && p + 3 <= limit) {
    entryHeader.shared = b0;
    entryHeader.unshared = b1;
    entryHeader.valueLength = b2;
    return p + 3;
  }
  const shared = getVarint32(data, p, limit);
  if (shared < 0) return -1;
  const unshared = getVarint32(data, cursor.pos, limit);
  if (unshared < 0) return -1;
  const valueLength = getVarint64(data, cursor.pos, limit);
  if (valueLength < 0) return -1;
  entryHeader.shared = shared;
  entryHeader.unshared = unshared;
  entryHeader.valueLength = valueLength;
  return cursor.pos;
}

/** One decoded entry of a small block. */
export interface BlockEntry {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

/**
 * Decodes every entry of `block` in order. Keys are fresh copies (prefix-truncated keys
 * must be rebuilt); values are views into the block.
 */
export function decodeBlockEntries(block: Block): BlockEntry[] {
  const out: BlockEntry[] = [];
  const data = block.data;
  const end = block.restartsOffset;
  let p = 0;
  let prev = new Uint8Array(0);
  while (p < end) {
    const k = decodeEntryHeader(data, p, end);
    if (k < 0) throw block.corrupt(`bad entry header at ${p}`);
    const { shared, unshared, valueLength: vlen } = entryHeader;
    if (shared > prev.length || unshared > end - k || vlen > end - k - unshared) throw block.corrupt(`bad entry lengths at ${p}`);
    const key = new Uint8Array(shared + unshared);
    key.set(prev.subarray(0, shared));
    key.set(data.subarray(k, k + unshared), shared);
    out.push({ key, value: data.subarray(k + unshared, k + unshared + vlen) });
    prev = key;
    p = k + unshared + vlen;
  }
  return out;
}
