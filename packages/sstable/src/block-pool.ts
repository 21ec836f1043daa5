// BlockPool: recycles the buffers of data blocks the block cache evicts, so that a read
// that misses the cache decodes its block into a buffer an earlier eviction freed instead
// of a fresh allocation. On a store larger than its cache every miss evicts a block; a
// fresh 4 KiB ArrayBuffer per miss (and the garbage collections that external memory
// brings) cost more than the read and the decompression together.
//
// Promise: take(n) returns a view of exactly n bytes whose contents are unspecified (the
// caller overwrites all of them). Buffers are grouped in 64-byte size classes (a block is
// charged its class size, so coarser classes would cost cache capacity); blocks above
// 64 KiB are not pooled. The free lists hold at most `maxFreeBytes`. The pool never
// decides when a buffer is free: the cache gives one back only when no reader pins its
// block (Block.pins), and a buffer given back must not be used by anyone afterwards.

const CLASS_BYTES = 64;
const MAX_POOLED = 64 * 1024;

/** Recycled block buffers, by size class. */
export class BlockPool {
  private readonly free = new Map<number, ArrayBuffer[]>();
  private readonly own = new WeakSet<ArrayBuffer>();
  private freeBytes = 0;
  /** The view the latest take() returned, when it came from the pool's buffers. */
  private last: Uint8Array | undefined;
  /** Buffers handed out again instead of allocated. */
  reused = 0;

  constructor(private readonly maxFreeBytes: number) {}

  /** A buffer of exactly `n` bytes (contents unspecified). A bound function: pass it as an allocator. */
  readonly take = (n: number): Uint8Array => {
    if (n > MAX_POOLED || n === 0) {
      this.last = undefined;
      return new Uint8Array(n);
    }
    const size = Math.ceil(n / CLASS_BYTES) * CLASS_BYTES;
    let ab = this.free.get(size)?.pop();
    if (ab !== undefined) {
      this.freeBytes -= size;
      this.reused++;
    } else {
      ab = new ArrayBuffer(size);
      this.own.add(ab);
    }
    return (this.last = new Uint8Array(ab, 0, n));
  };

  /**
   * True when `data` starts the buffer of the latest take() from the pool's buffers (the
   * very view, or a view of its first bytes, as a block read whole with its trailer):
   * identity checks, where owns() needs a hash lookup. A block decoded with take as its
   * allocator is the pool's exactly when this holds right after the decode (a decode that
   * returns another buffer, a decrypted plain block say, did not use the one it took).
   */
  tookLast(data: Uint8Array): boolean {
    const last = this.last;
    if (last === undefined) return false;
    return data === last || (data.byteOffset === 0 && data.buffer === last.buffer);
  }

  /** True when `data` is a buffer this pool handed out (and so may be given back). */
  owns(data: Uint8Array): boolean {
    return data.byteOffset === 0 && this.own.has(data.buffer as ArrayBuffer);
  }

  /** Takes back a buffer from take(), if it is one; nothing may read or write it afterwards. */
  give(data: Uint8Array): void {
    if (this.owns(data)) this.recycle(data);
  }

  /**
   * give() for a buffer known to come from take() (owns() or tookLast() said so when it
   * was made); nothing may read or write it afterwards.
   */
  recycle(data: Uint8Array): void {
    const ab = data.buffer as ArrayBuffer;
    const size = ab.byteLength;
    if (this.freeBytes + size > this.maxFreeBytes) return; // left to the garbage collector
    let list = this.free.get(size);
    if (list === undefined) this.free.set(size, (list = []));
    list.push(ab);
    this.freeBytes += size;
  }

  /** Bytes waiting in the free lists. */
  get idleBytes(): number {
    return this.freeBytes;
  }
}
