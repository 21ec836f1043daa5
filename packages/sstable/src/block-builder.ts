// Builds one block in the LevelDB layout used by data, index, range-tombstone, metaindex
// and properties blocks:
//   entry*:  varint32 shared | varint32 unshared | varint64 valueLength | key[shared:] | value
//   restart: u32 LE offset of each restart entry (shared == 0), then u32 LE restart count.
// Keys are prefix-truncated against the previous key except at restart points, every
// `restartInterval` entries, which lets a reader binary-search the restart array.
// The builder does not check ordering; its callers do.

import { ByteSink, putU32 } from '@lsm/base';

export class BlockBuilder {
  private readonly sink: ByteSink;
  private restarts: Uint32Array = new Uint32Array(64);
  private restartCount = 1; // restarts[0] = 0
  private counter = 0;
  private lastKey: Uint8Array = new Uint8Array(64);
  private lastKeyLen = 0;
  private finished = false;
  /** Entries added since the last reset. */
  entries = 0;

  constructor(
    readonly restartInterval: number,
    initialCapacity = 4096,
  ) {
    this.sink = new ByteSink(initialCapacity);
  }

  /** Adds `key[0, keyLen)` -> `value`. Keys must arrive in the block's order. */
  add(key: Uint8Array, keyLen: number, value: Uint8Array): void {
    let shared = 0;
    if (this.counter < this.restartInterval) {
      const last = this.lastKey;
      const n = Math.min(this.lastKeyLen, keyLen);
      while (shared < n && last[shared] === key[shared]) shared++;
    } else {
      if (this.restartCount === this.restarts.length) {
        const next = new Uint32Array(this.restarts.length * 2);
        next.set(this.restarts);
        this.restarts = next;
      }
      this.restarts[this.restartCount++] = this.sink.len;
      this.counter = 0;
    }
    const unshared = keyLen - shared;
    const sink = this.sink;
    sink.ensure(15 + unshared);
    sink.putVarint(shared);
    sink.putVarint(unshared);
    sink.putVarint(value.length);
    sink.putBytes(key, shared, keyLen);
    sink.putBytes(value);
    // Remember the full key for the next entry's prefix.
    if (this.lastKey.length < keyLen) {
      const grown = new Uint8Array(Math.max(keyLen, this.lastKey.length * 2));
      grown.set(this.lastKey.subarray(0, shared));
      this.lastKey = grown;
    }
    const lk = this.lastKey;
    for (let i = shared; i < keyLen; i++) lk[i] = key[i]!;
    this.lastKeyLen = keyLen;
    this.counter++;
    this.entries++;
  }

  /** Size of the block if finished now. */
  estimatedSize(): number {
    return this.sink.len + this.restartCount * 4 + 4;
  }

  /** True when nothing has been added since the last reset. */
  empty(): boolean {
    return this.entries === 0;
  }

  /** Appends the restart array and returns the block contents (a view valid until reset). */
  finish(): Uint8Array {
    if (!this.finished) {
      const sink = this.sink;
      sink.ensure(this.restartCount * 4 + 4);
      for (let i = 0; i < this.restartCount; i++) {
        putU32(sink.buf, sink.len, this.restarts[i]!);
        sink.len += 4;
      }
      putU32(sink.buf, sink.len, this.restartCount);
      sink.len += 4;
      this.finished = true;
    }
    return this.sink.bytes();
  }

  /** Starts a new, empty block (reusing the buffers). */
  reset(): void {
    this.sink.reset();
    this.restartCount = 1;
    this.restarts[0] = 0;
    this.counter = 0;
    this.lastKeyLen = 0;
    this.entries = 0;
    this.finished = false;
  }
}
