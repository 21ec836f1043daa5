// The index block: one entry per data block, in order. Entry key = a separator internal
// key S_i with  last key of block i <= S_i < first key of block i+1  (shortened with the
// comparator's findShortestSeparator when possible; the last block's is its last key);
// entry value = the data block's BlockHandle. A lookup of (userKey, seqno) reads block i for the first S_i >= target.
// Written with restart interval 1 (no prefix truncation) so a reader can binary-search it.
// The same entry format serves a future partitioned index: a top-level index whose
// handles point at index partitions instead of data blocks (properties "index.type").

import { BlockBuilder } from './block-builder.js';
import { MAX_HANDLE_LENGTH, type BlockHandle } from './block-handle.js';
import { BLOCK_TRAILER_SIZE } from './block-io.js';
import { Block, decodeEntryHeader, entryHeader, type CompareAt } from './block-reader.js';
import { ByteSink, cursor, getVarint64, putVarint, getTrailerSeqno, MAX_SEQNO, putTrailer, TRAILER_SIZE, type Comparator } from '@lsm/base';

/** Index type recorded in the properties: a single binary-searched index block. */
export const INDEX_TYPE_BINARY_SEARCH = 0;

/** Builds the index block while the writer emits data blocks. */
export class IndexBuilder {
  private readonly builder = new BlockBuilder(1);
  private readonly keySink = new ByteSink(128);
  private readonly handleBuf = new Uint8Array(MAX_HANDLE_LENGTH);
  /** Number of entries (data blocks) added. */
  count = 0;

  constructor(private readonly comparator: Comparator) {}

  /**
   * Adds the entry for a finished data block whose last entry is (lastUserKey, lastSeqno,
   * lastType). `nextUserKey` is the first user key of the following block, or undefined
   * for the last block.
   */
  addEntry(lastUserKey: Uint8Array, lastSeqno: number, lastType: number, nextUserKey: Uint8Array | undefined, handle: BlockHandle): void {
    const cmp = this.comparator;
    let sep: Uint8Array | undefined;
    // The last block keeps its exact last key (a short successor would save a few bytes
    // but would spoil the common prefix the reader's prefix acceleration relies on).
    if (nextUserKey !== undefined && cmp.compare(lastUserKey, nextUserKey) < 0) {
      const s = cmp.findShortestSeparator?.(lastUserKey, nextUserKey);
      // Trust a custom comparator's separator only if it really separates. A separator of
      // the same length is still worth it: being above the last key lets a bounded scan
      // stop without reading the next block.
      if (s !== undefined && s.length <= lastUserKey.length && cmp.compare(lastUserKey, s) < 0 && cmp.compare(s, nextUserKey) < 0) sep = s;
    }
    const k = this.keySink;
    k.reset();
    if (sep !== undefined) {
      // (sep, MAX_SEQNO) sorts after every version of lastUserKey and before nextUserKey.
      k.putBytes(sep);
      k.ensure(TRAILER_SIZE);
      putTrailer(k.buf, k.len, MAX_SEQNO, 0);
    } else {
      k.putBytes(lastUserKey);
      k.ensure(TRAILER_SIZE);
      putTrailer(k.buf, k.len, lastSeqno, lastType);
    }
    k.len += TRAILER_SIZE;
    let n = putVarint(this.handleBuf, 0, handle.offset);
    n = putVarint(this.handleBuf, n, handle.size);
    this.builder.add(k.buf, k.len, this.handleBuf.subarray(0, n));
    this.count++;
  }

  estimatedSize(): number {
    return this.builder.estimatedSize();
  }

  /** The finished index block contents (a view valid until the builder is reused). */
  finish(): Uint8Array {
    return this.builder.finish();
  }
}

/**
 * A parsed index block: separator keys laid out in one buffer, handles in typed arrays,
 * so a lookup is a binary search with no decoding and no allocation. For the bytewise
 * comparator it also keeps, per separator, the 8 bytes that follow the prefix common to
 * all separators, as two big-endian u32 words: the binary search runs on that dense
 * array (8 separators per cache line) and compares whole keys only among separators
 * whose 8 bytes tie -- on a large table, each avoided key comparison is a couple of
 * memory stalls saved.
 */
export class IndexBlock {
  readonly count: number;
  private readonly keys: Uint8Array;
  /** keyStart[i] .. keyStart[i+1] is separator i (user key + trailer); count + 1 entries. */
  private readonly keyStart: Uint32Array;
  private readonly offsets: Float64Array;
  private readonly sizes: Float64Array;
  /** Bytewise only: length of the prefix all separator user keys share, and the next 8 bytes of each (hi, lo words). */
  private readonly lcpLen: number;
  private readonly prefix: Uint32Array | undefined;

  /**
   * Parses and validates `block`: data blocks are contiguous from offset 0, so handle i
   * must start where block i-1 ended and the last must end exactly at `dataEnd`.
   * `bytewise` enables the prefix acceleration (valid only for bytewise order).
   */
  constructor(block: Block, dataEnd: number, bytewise: boolean) {
    // Two passes over the entries and no allocation per entry: a large table's index has
    // tens of thousands of them, and a key object each made opening it a GC pause.
    const data = block.data;
    const end = block.restartsOffset;
    let n = 0;
    let total = 0;
    let prevLen = 0;
    for (let p = 0; p < end; n++) {
      const k = decodeEntryHeader(data, p, end);
      if (k < 0) throw block.corrupt(`bad entry header at ${p}`);
      const { shared, unshared, valueLength: vlen } = entryHeader;
      if (shared > prevLen || unshared > end - k || vlen > end - k - unshared) throw block.corrupt(`bad entry lengths at ${p}`);
      prevLen = shared + unshared;
      total += prevLen;
      p = k + unshared + vlen;
    }
    this.count = n;
    const keys = (this.keys = new Uint8Array(total));
    this.keyStart = new Uint32Array(n + 1);
    this.offsets = new Float64Array(n);
    this.sizes = new Float64Array(n);
    let pos = 0;
    let prevStart = 0;
    let prevEnd = 0;
    for (let i = 0, p = 0; i < n; i++) {
      const k = decodeEntryHeader(data, p, end);
      const { shared, unshared, valueLength: vlen } = entryHeader;
      keys.copyWithin(pos, prevStart, prevStart + shared);
      keys.set(data.subarray(k, k + unshared), pos + shared);
      const keyLen = shared + unshared;
      if (keyLen < TRAILER_SIZE || getTrailerSeqno(keys, pos + keyLen - TRAILER_SIZE) < 0) {
        throw block.corrupt(`index entry ${i} has a malformed key`);
      }
      this.keyStart[i] = pos;
      prevStart = pos;
      pos += keyLen;
      const v = k + unshared;
      const offset = getVarint64(data, v, v + vlen);
      const size = offset < 0 ? -1 : getVarint64(data, cursor.pos, v + vlen);
      if (size < 0) throw block.corrupt(`index entry ${i} has a malformed block handle`);
      if (offset !== prevEnd || offset + size + BLOCK_TRAILER_SIZE > dataEnd) {
        throw block.corrupt(`index entry ${i} points outside the data region (offset ${offset}, size ${size})`);
      }
      prevEnd = offset + size + BLOCK_TRAILER_SIZE;
      this.offsets[i] = offset;
      this.sizes[i] = size;
      p = v + vlen;
    }
    this.keyStart[n] = pos;
    if (prevEnd !== dataEnd) throw block.corrupt(`index covers ${prevEnd} bytes of data but the data region is ${dataEnd} bytes`);

    this.lcpLen = 0;
    this.prefix = undefined;
    if (bytewise && n > 1) {
      // In bytewise order the prefix shared by the first and last key is shared by all.
      const keys = this.keys;
      const a = this.keyStart[0]!;
      const aLen = this.keyStart[1]! - a - TRAILER_SIZE;
      const z = this.keyStart[n - 1]!;
      const zLen = this.keyStart[n]! - z - TRAILER_SIZE;
      let l = 0;
      while (l < aLen && l < zLen && keys[a + l] === keys[z + l]) l++;
      this.lcpLen = l;
      const prefix = new Uint32Array(2 * n);
      for (let i = 0; i < n; i++) {
        const s = this.keyStart[i]!;
        const end = this.keyStart[i + 1]! - TRAILER_SIZE;
        prefix[2 * i] = prefixWord(keys, s + l, end);
        prefix[2 * i + 1] = prefixWord(keys, s + l + 4, end);
      }
      this.prefix = prefix;
    }
  }

  /** Index of the first block whose separator is >= (userKey, seqno); `count` if none. */
  find(userKey: Uint8Array, seqno: number, compareAt: CompareAt): number {
    let lo = 0;
    let hi = this.count;
    const prefix = this.prefix;
    if (prefix !== undefined) {
      // Compare the target with the common prefix: if it differs there, it is before or after everything.
      const keys = this.keys;
      const first = this.keyStart[0]!;
      const l = this.lcpLen;
      const tl = userKey.length;
      for (let j = 0; j < l; j++) {
        if (j >= tl) return 0;
        const d = userKey[j]! - keys[first + j]!;
        if (d < 0) return 0;
        if (d > 0) return this.count;
      }
      const th = prefixWord(userKey, l, tl);
      const tlo = prefixWord(userKey, l + 4, tl);
      // Separators with a smaller prefix sort before the target, larger ones after it.
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        const ph = prefix[2 * mid]!;
        if (ph < th || (ph === th && prefix[2 * mid + 1]! < tlo)) lo = mid + 1;
        else hi = mid;
      }
      // Gallop to the end of the run of equal prefixes (usually 0 or 1 long), then
      // binary-search its end; only that run needs full key comparisons.
      let end = lo;
      let step = 1;
      while (end < this.count && prefix[2 * end] === th && prefix[2 * end + 1] === tlo) {
        end += step;
        step *= 2;
      }
      hi = Math.min(end, this.count);
      let l2 = lo;
      while (l2 < hi) {
        const mid = (l2 + hi) >>> 1;
        const ph = prefix[2 * mid]!;
        if (ph < th || (ph === th && prefix[2 * mid + 1]! <= tlo)) l2 = mid + 1;
        else hi = mid;
      }
      hi = l2;
    }
    const keys = this.keys;
    const starts = this.keyStart;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const s = starts[mid]!;
      const ukEnd = starts[mid + 1]! - TRAILER_SIZE;
      let c = compareAt(keys, s, ukEnd - s, userKey);
      if (c === 0) c = seqno - getTrailerSeqno(keys, ukEnd);
      if (c < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  blockOffset(i: number): number {
    return this.offsets[i]!;
  }

  blockSize(i: number): number {
    return this.sizes[i]!;
  }

  handle(i: number): BlockHandle {
    return { offset: this.offsets[i]!, size: this.sizes[i]! };
  }

  /** The separator key of entry i (a view: user key + trailer). */
  separator(i: number): Uint8Array {
    return this.keys.subarray(this.keyStart[i]!, this.keyStart[i + 1]!);
  }

  /** Approximate memory held, for cache accounting. */
  get charge(): number {
    return this.keys.byteLength + this.count * 28 + 200;
  }
}

/** Big-endian u32 of buf[from, from+4), zero-padded past `end`. Order-preserving (see IndexBlock). */
function prefixWord(buf: Uint8Array, from: number, end: number): number {
  let w = 0;
  for (let j = 0; j < 4; j++) {
    const p = from + j;
    w = w * 256 + (p < end ? buf[p]! : 0);
  }
  return w;
}
