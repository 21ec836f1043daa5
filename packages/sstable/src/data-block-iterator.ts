// DataBlockIter: walks one data block (keys are internal keys: user key + 8-byte
// trailer, ordered by user key ascending then seqno descending) forward and backward,
// with binary search over restart points. Reusable: reset(block) points it at another
// block. The hot paths (seek's linear scan for bytewise keys, next(), cached prev()) decode
// into locals (entry headers through block-reader's decodeEntryHeader) and allocate nothing; every length is bounds-checked so damaged bytes give
// a CorruptionError naming the file and block offset, never an out-of-range read.

import { type Block, type CompareAt, decodeEntryHeader, entryHeader } from './block-reader.js';
import {
  cursor,
  getVarint32,
  getVarint64,
  compareBytesAt,
  CorruptionError,
  getTrailerSeqno,
  MAX_VALUE_TYPE,
  TRAILER_SIZE,
  type ValueType,
} from '@lsm/base';

const EMPTY = new Uint8Array(0);
const NO_ENTRIES = new Float64Array(0);

/** Bytes of each iterator's first key buffer, and of the slabs they are carved from. */
const KEY_BUFFER_BYTES = 64;
const KEY_SLAB_BYTES = 64 * 1024;
let keySlab = new Uint8Array(KEY_SLAB_BYTES);
let keySlabUsed = 0;

/**
 * A fresh iterator's key buffer: a 64-byte view carved from a shared 64 KiB slab. A
 * `new Uint8Array(64)` of its own would live on V8's heap, and the first `subarray` of it
 * (every `userKey()`) makes V8 move it to a malloc'd backing store: about 1 µs, 8% of a
 * short scan's time in malloc and its sweeper when every `range()` opened two or three
 * block iterators. A slab stays alive while any iterator carved from it does.
 */
function newKeyBuffer(): Uint8Array {
  if (keySlabUsed + KEY_BUFFER_BYTES > KEY_SLAB_BYTES) {
    keySlab = new Uint8Array(KEY_SLAB_BYTES);
    keySlabUsed = 0;
  }
  const b = keySlab.subarray(keySlabUsed, keySlabUsed + KEY_BUFFER_BYTES);
  keySlabUsed += KEY_BUFFER_BYTES;
  return b;
}

/**
 * Iterator over a data block whose keys are internal keys (user key + 8-byte trailer),
 * ordered by user key ascending then seqno descending. Positioning methods mirror
 * InternalIterator. Reusable: `reset(block)` points it at another block.
 */
export class DataBlockIter {
  private block: Block | undefined;
  private data: Uint8Array = EMPTY;
  private limit = 0; // restartsOffset
  /** Offset of the current entry, or -1 when not positioned. */
  private cur = -1;
  /** Offset just past the current entry. */
  private nextOff = 0;
  /**
   * The restart region being decoded: its index, where it starts and where the next one
   * starts (the restarts offset for the last). Forward decoding must meet every restart
   * point exactly, with an entry that shares nothing with the one before, as a backward
   * step (which starts decoding at a restart point) does: otherwise damage that left the
   * lengths plausible could make forward and backward iteration disagree.
   */
  private region = 0;
  private regionStart = 0;
  private regionEnd = 0;
  private key: Uint8Array = newKeyBuffer();
  private keyLen = 0;
  private valOff = 0;
  private valLen = 0;
  private ukView: Uint8Array | undefined;
  private valView: Uint8Array | undefined;
  /**
   * prev() cache: per entry [offset, key start in pcKeys, key length, value offset, value
   * length]. Allocated by the first prev(): most iterators (a get, a short forward scan)
   * never go backwards, and allocating it up front cost more than the seek itself.
   */
  private pcEntry = NO_ENTRIES;
  private pcKeys = EMPTY;
  /** Index in the prev() cache of the current entry, or -1 when the cache does not apply. */
  private pcIdx = -1;
  /** The restart region the prev() cache holds. */
  private pcRegion = 0;

  /** True for the bytewise comparator: seek then uses scanBytewise. */
  private readonly bytewise: boolean;

  constructor(private readonly compareAt: CompareAt) {
    this.bytewise = compareAt === compareBytesAt;
  }

  /** Points the iterator at `block` (unpositioned). */
  reset(block: Block): void {
    this.pcIdx = -1;
    // Pinned while positioned here: an evicted pooled block is not reused under a reader.
    block.pins++;
    if (this.block !== undefined) this.block.pins--;
    this.block = block;
    this.data = block.data;
    this.limit = block.restartsOffset;
    this.cur = -1;
    this.ukView = undefined;
    this.valView = undefined;
  }

  /** Drops the block reference. */
  clear(): void {
    this.pcIdx = -1;
    if (this.block !== undefined) this.block.pins--;
    this.block = undefined;
    this.data = EMPTY;
    this.limit = 0;
    this.cur = -1;
    this.ukView = undefined;
    this.valView = undefined;
  }

  valid(): boolean {
    return this.cur >= 0;
  }

  /**
   * The current user key: a view of the iterator's key buffer. The view object is reused
   * while the key length stays the same (its bytes change on the next move, as the
   * iterator contract allows), so a scan over fixed-size keys allocates nothing here.
   */
  userKey(): Uint8Array {
    const n = this.keyLen - TRAILER_SIZE;
    const v = this.ukView;
    if (v !== undefined && v.length === n) return v;
    return (this.ukView = this.key.subarray(0, n));
  }

  /** Compares the current user key with `key` (comparator order), without making a view. */
  compareUserKey(key: Uint8Array): number {
    return this.compareAt(this.key, 0, this.keyLen - TRAILER_SIZE, key);
  }

  /** The current entry's full internal key bytes (view, valid until the next move). */
  internalKey(): Uint8Array {
    return this.key.subarray(0, this.keyLen);
  }

  seqno(): number {
    const s = getTrailerSeqno(this.key, this.keyLen - TRAILER_SIZE);
    if (s < 0) throw this.corruptHere('sequence number out of range');
    return s;
  }

  type(): ValueType {
    return this.key[this.keyLen - TRAILER_SIZE] as ValueType;
  }

  value(): Uint8Array {
    return (this.valView ??= this.data.subarray(this.valOff, this.valOff + this.valLen));
  }

  /** Offset of the current value in the block (for zero-copy consumers). */
  valueOffset(): number {
    return this.valOff;
  }

  valueLength(): number {
    return this.valLen;
  }

  seekToFirst(): void {
    this.seekToRestart(0);
    this.parseNext();
  }

  seekToLast(): void {
    const b = this.blockOrThrow();
    this.seekToRestart(b.numRestarts - 1);
    while (this.parseNext() && this.nextOff < this.limit) {
      // keep going to the last entry
    }
  }

  /** Positions at the first entry >= (userKey, seqno); invalid if there is none. */
  seek(userKey: Uint8Array, seqno: number): void {
    const b = this.blockOrThrow();
    const data = this.data;
    const cmp = this.compareAt;
    // Binary search for the last restart whose key is < target.
    let left = 0;
    let right = b.numRestarts - 1;
    while (left < right) {
      const mid = (left + right + 1) >>> 1;
      const off = b.restart(mid);
      // A restart entry has shared == 0, so its key lies whole in the block.
      let p = off;
      let shared: number;
      let unshared: number;
      let b0 = data[p]!;
      if (b0 < 0x80) {
        shared = b0;
        p++;
      } else {
        shared = getVarint32(data, p, this.limit);
        p = cursor.pos;
      }
      b0 = data[p]!;
      if (b0 < 0x80 && p < this.limit) {
        unshared = b0;
        p++;
      } else {
        unshared = getVarint32(data, p, this.limit);
        p = cursor.pos;
      }
      if (getVarint64(data, p, this.limit) < 0 || shared !== 0 || unshared < TRAILER_SIZE || unshared > this.limit - cursor.pos) {
        throw b.corrupt(`bad restart entry at ${off}`);
      }
      const k = cursor.pos;
      const ukLen = unshared - TRAILER_SIZE;
      let c = cmp(data, k, ukLen, userKey);
      if (c === 0) {
        const s = getTrailerSeqno(data, k + ukLen);
        if (s < 0) throw b.corrupt(`sequence number out of range at ${off}`);
        c = seqno - s; // larger seqno sorts first
      }
      if (c < 0) left = mid;
      else right = mid - 1;
    }
    this.seekToRestart(left);
    if (this.bytewise) {
      this.scanBytewise(userKey, seqno);
      return;
    }
    while (this.parseNext()) {
      let c = cmp(this.key, 0, this.keyLen - TRAILER_SIZE, userKey);
      if (c === 0) c = seqno - this.seqno();
      if (c >= 0) return;
    }
  }

  /**
   * The linear part of seek for bytewise order, from the restart point set by
   * seekToRestart: decodes entries into locals and compares each key with the target
   * starting where it can first differ. `m` is how many leading bytes the previous key
   * shares with the target; a key that shares `shared` bytes with the previous one agrees
   * with the target on the first min(shared, m) bytes, so only the tail is compared
   * (3-4 bytes instead of 16 for typical keys). Same result and checks as parseNext.
   */
  private scanBytewise(userKey: Uint8Array, seqno: number): void {
    const data = this.data;
    const limit = this.limit;
    const tlen = userKey.length;
    let key = this.key;
    let curLen = 0;
    let m = 0;
    let p = this.nextOff;
    this.valView = undefined;
    while (p < limit) {
      const start = p;
      p = decodeEntryHeader(data, p, limit);
      if (p < 0) throw this.corruptAt(start, 'bad entry header');
      const shared = entryHeader.shared;
      const unshared = entryHeader.unshared;
      const vlen = entryHeader.valueLength;
      const keyLen = shared + unshared;
      if (shared > curLen || keyLen < TRAILER_SIZE || unshared > limit - p || vlen > limit - p - unshared) {
        this.keyLen = 0;
        throw this.corruptAt(start, 'bad entry lengths');
      }
      if (keyLen > key.length) {
        const grown = new Uint8Array(Math.max(keyLen, key.length * 2));
        grown.set(key.subarray(0, shared));
        key = grown;
        this.key = grown;
        this.ukView = undefined;
      }
      if (unshared <= 32) {
        for (let i = 0; i < unshared; i++) key[shared + i] = data[p + i]!;
      } else {
        key.set(data.subarray(p, p + unshared), shared);
      }
      const uk = keyLen - TRAILER_SIZE;
      if (key[uk]! > MAX_VALUE_TYPE) {
        this.keyLen = 0;
        throw this.corruptAt(start, `unknown value type ${key[uk]}`);
      }
      curLen = keyLen;
      let j = shared < m ? shared : m;
      if (j > uk) j = uk;
      const n = uk < tlen ? uk : tlen;
      let c = 0;
      for (; j < n; j++) {
        const d = key[j]! - userKey[j]!;
        if (d !== 0) {
          c = d;
          break;
        }
      }
      m = j;
      if (c === 0) c = uk - tlen;
      if (c === 0) {
        const s = getTrailerSeqno(key, uk);
        if (s < 0) {
          this.keyLen = 0;
          throw this.corruptAt(start, 'sequence number out of range');
        }
        c = seqno - s;
      }
      const next = p + unshared + vlen;
      this.checkRestarts(start, shared, next);
      if (c >= 0) {
        this.keyLen = keyLen;
        this.valOff = p + unshared;
        this.valLen = vlen;
        this.cur = start;
        this.nextOff = next;
        return;
      }
      p = next;
    }
    this.keyLen = curLen;
    this.nextOff = p;
    this.cur = -1;
  }

  /** Positions at the last entry <= (userKey, seqno); invalid if there is none. */
  seekForPrev(userKey: Uint8Array, seqno: number): void {
    this.seek(userKey, seqno);
    if (!this.valid()) {
      this.seekToLast();
      return;
    }
    let c = this.compareAt(this.key, 0, this.keyLen - TRAILER_SIZE, userKey);
    if (c === 0) c = seqno - this.seqno();
    if (c > 0) this.prev();
  }

  next(): void {
    this.pcIdx = -1;
    this.parseNext();
  }

  /**
   * Steps back one entry. Prefix compression only decodes forward, so the first prev()
   * into a restart region scans it from its restart point -- and remembers every entry
   * it decoded (offsets and key bytes, as RocksDB's block iterator does), so the
   * following prev() calls in that region are O(1) instead of O(restart interval).
   */
  prev(): void {
    const b = this.blockOrThrow();
    if (this.pcIdx > 0) {
      this.restoreCached(--this.pcIdx);
      return;
    }
    const original = this.cur;
    this.pcIdx = -1;
    if (original <= 0) {
      // At the first entry (or unpositioned): nothing before it.
      this.cur = -1;
      return;
    }
    // Back up to the restart region holding the entry before `original`: the last
    // restart point < original (restart offsets increase, so binary search).
    let lo = 0;
    let hi = b.numRestarts - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (b.restart(mid) < original) lo = mid;
      else hi = mid - 1;
    }
    this.seekToRestart(lo);
    this.pcRegion = lo;
    let n = 0;
    let keyBytes = 0;
    while (this.parseNext()) {
      // Remember the entry for later prev() calls.
      if (n === this.pcEntry.length / 5) {
        const grown = new Float64Array(Math.max(5 * 32, this.pcEntry.length * 2));
        grown.set(this.pcEntry);
        this.pcEntry = grown;
      }
      const kl = this.keyLen;
      if (keyBytes + kl > this.pcKeys.length) {
        const grown = new Uint8Array(Math.max(keyBytes + kl, 512, this.pcKeys.length * 2));
        grown.set(this.pcKeys.subarray(0, keyBytes));
        this.pcKeys = grown;
      }
      const e = this.pcEntry;
      const o = n * 5;
      e[o] = this.cur;
      e[o + 1] = keyBytes;
      e[o + 2] = kl;
      e[o + 3] = this.valOff;
      e[o + 4] = this.valLen;
      const pk = this.pcKeys;
      const key = this.key;
      for (let i = 0; i < kl; i++) pk[keyBytes + i] = key[i]!;
      keyBytes += kl;
      n++;
      if (this.nextOff >= original) break;
    }
    if (this.cur >= 0) this.pcIdx = n - 1;
  }

  /** Makes cached entry i (from the last restart-region scan in prev()) current. */
  private restoreCached(i: number): void {
    const e = this.pcEntry;
    const o = i * 5;
    const kl = e[o + 2]!;
    const ks = e[o + 1]!;
    if (kl > this.key.length) {
      this.key = new Uint8Array(Math.max(kl, this.key.length * 2));
      this.ukView = undefined;
    }
    const key = this.key;
    const pk = this.pcKeys;
    for (let j = 0; j < kl; j++) key[j] = pk[ks + j]!;
    this.keyLen = kl;
    this.cur = e[o]!;
    this.valOff = e[o + 3]!;
    this.valLen = e[o + 4]!;
    this.nextOff = this.valOff + this.valLen;
    this.valView = undefined;
    this.enterRegion(this.pcRegion);
    if (this.nextOff === this.regionEnd && this.nextOff < this.limit) this.enterRegion(this.pcRegion + 1);
  }

  private seekToRestart(i: number): void {
    const b = this.blockOrThrow();
    this.pcIdx = -1;
    this.keyLen = 0;
    this.cur = -1;
    this.nextOff = b.restart(i);
    this.enterRegion(i);
  }

  /** Makes restart region `i` the one being decoded. */
  private enterRegion(i: number): void {
    const b = this.block!;
    this.region = i;
    this.regionStart = b.restart(i);
    this.regionEnd = i + 1 < b.numRestarts ? b.restart(i + 1) : this.limit;
  }

  /**
   * Checks an entry decoded at `start` (sharing `shared` key bytes, ending at `next`)
   * against the restart points, and moves to the next region when it ends one.
   */
  private checkRestarts(start: number, shared: number, next: number): void {
    if (start === this.regionStart && shared !== 0) throw this.corruptAt(start, 'an entry at a restart point shares key bytes');
    if (next > this.regionEnd) throw this.corruptAt(start, `entry runs past the restart point at ${this.regionEnd}`);
    if (next === this.regionEnd && next < this.limit) this.enterRegion(this.region + 1);
  }

  /** Decodes the entry at nextOff. Returns false (and invalidates) at the end of the block. */
  private parseNext(): boolean {
    const data = this.data;
    const limit = this.limit;
    let p = this.nextOff;
    this.valView = undefined;
    if (p >= limit) {
      this.cur = -1;
      return false;
    }
    const start = p;
    p = decodeEntryHeader(data, p, limit);
    if (p < 0) throw this.corruptAt(start, 'bad entry header');
    const shared = entryHeader.shared;
    const unshared = entryHeader.unshared;
    const vlen = entryHeader.valueLength;
    const keyLen = shared + unshared;
    if (shared > this.keyLen || keyLen < TRAILER_SIZE || unshared > limit - p || vlen > limit - p - unshared) {
      throw this.corruptAt(start, 'bad entry lengths');
    }
    if (keyLen > this.key.length) {
      const grown = new Uint8Array(Math.max(keyLen, this.key.length * 2));
      grown.set(this.key.subarray(0, shared));
      this.key = grown;
      this.ukView = undefined;
    }
    const key = this.key;
    if (unshared <= 32) {
      for (let i = 0; i < unshared; i++) key[shared + i] = data[p + i]!;
    } else {
      key.set(data.subarray(p, p + unshared), shared);
    }
    if (key[keyLen - TRAILER_SIZE]! > MAX_VALUE_TYPE) throw this.corruptAt(start, `unknown value type ${key[keyLen - TRAILER_SIZE]}`);
    const next = p + unshared + vlen;
    this.checkRestarts(start, shared, next);
    this.keyLen = keyLen;
    this.valOff = p + unshared;
    this.valLen = vlen;
    this.cur = start;
    this.nextOff = next;
    return true;
  }

  private blockOrThrow(): Block {
    const b = this.block;
    if (b === undefined) throw new Error('DataBlockIter used without a block');
    return b;
  }

  private corruptAt(entryOffset: number, detail: string): CorruptionError {
    this.cur = -1;
    const b = this.block!;
    return b.corrupt(`${detail} (entry at block offset ${entryOffset})`);
  }

  private corruptHere(detail: string): CorruptionError {
    return this.corruptAt(this.cur, detail);
  }
}
