// The memtable's arena: keys and values copied into 1 MiB chunks, each entry's key and
// value side by side, named by one number (chunk * CHUNK + offset; entries over a quarter
// chunk get a buffer of their own, named by a negative number). Views are made only
// when a key or value is handed out, so the memtable holds no object per entry.
//
// The buffers are SharedArrayBuffers where the platform has them: a sealed memtable is
// flushed on a worker thread that reads these same bytes (memtable-image.ts), so nothing
// is copied or re-read from the log to hand it over.
//
// Promises: bytes once written are never moved or changed; a location stays valid for
// the arena's life, and in every Arena made from its image().

const CHUNK = 1 << 20;

/** The buffers of an arena, as a worker is sent them (shared memory: not copied). */
export interface ArenaImage {
  readonly chunks: readonly Uint8Array[];
  readonly large: readonly Uint8Array[];
}

const SHARED = typeof SharedArrayBuffer === 'function';

/** `n` zeroed bytes, in shared memory when the platform has it. */
function allocate(n: number): Uint8Array {
  return SHARED ? new Uint8Array(new SharedArrayBuffer(n)) : new Uint8Array(n);
}

/** Append-only storage of key and value bytes. */
export class Arena {
  private readonly chunks: Uint8Array[] = [];
  private readonly large: Uint8Array[] = [];
  private cur: Uint8Array | undefined;
  private used = CHUNK;
  /** Bytes allocated (chunks and large buffers). */
  bytes = 0;

  /** An arena that reads the buffers of another one (on a worker: the same memory). */
  static fromImage(image: ArenaImage): Arena {
    const a = new Arena();
    for (const c of image.chunks) a.chunks.push(c);
    for (const l of image.large) a.large.push(l);
    return a;
  }

  /** This arena's buffers as they are now (later puts may add buffers the image lacks). */
  image(): ArenaImage {
    return { chunks: this.chunks.slice(), large: this.large.slice() };
  }

  /** Copies `key` then `value`; returns the location of the key (the value follows it). */
  put(key: Uint8Array, value: Uint8Array): number {
    const n = key.length + value.length;
    if (n > CHUNK >>> 2) {
      // Large entries get their own buffer, so a chunk's tail is never wasted on them.
      const own = allocate(n);
      own.set(key);
      own.set(value, key.length);
      this.large.push(own);
      this.bytes += n;
      return -this.large.length * LARGE_STRIDE;
    }
    if (this.used + n > CHUNK) {
      this.cur = allocate(CHUNK);
      this.chunks.push(this.cur);
      this.used = 0;
      this.bytes += CHUNK;
    }
    const c = this.cur!;
    const at = this.used;
    const kl = key.length;
    if (kl <= 32) for (let i = 0; i < kl; i++) c[at + i] = key[i]!;
    else c.set(key, at);
    if (value.length <= 32) for (let i = 0, j = at + kl; i < value.length; i++, j++) c[j] = value[i]!;
    else c.set(value, at + kl);
    this.used = at + n;
    return (this.chunks.length - 1) * CHUNK + at;
  }

  /** A view of `len` bytes at `loc` (a location from put(), possibly moved past its key). */
  view(loc: number, len: number): Uint8Array {
    if (loc < 0) return this.largeView(loc, len);
    const chunk = Math.floor(loc / CHUNK);
    const off = loc - chunk * CHUNK;
    return this.chunks[chunk]!.subarray(off, off + len);
  }

  /** Locations below 0 name large entries; a value's location is its key's plus the key length. */
  private largeView(loc: number, len: number): Uint8Array {
    // loc = -(index + 1) * LARGE_STRIDE for the key, plus the key length for the value.
    const base = Math.floor(loc / LARGE_STRIDE) * LARGE_STRIDE;
    const idx = -(base / LARGE_STRIDE) - 1;
    const off = loc - base;
    return this.large[idx]!.subarray(off, off + len);
  }

  /**
   * Bytewise comparison of the `klen` bytes at `loc` with `key`, from byte `from` (the
   * bytes before are known equal): <0, 0, >0 as the arena's key sorts before, with, after.
   */
  compare(loc: number, klen: number, key: Uint8Array, from: number): number {
    let buf: Uint8Array;
    let off: number;
    if (loc >= 0) {
      const chunk = Math.floor(loc / CHUNK);
      buf = this.chunks[chunk]!;
      off = loc - chunk * CHUNK;
    } else {
      const v = this.largeView(loc, klen);
      buf = v;
      off = 0;
    }
    const lb = key.length;
    const n = klen < lb ? klen : lb;
    for (let i = from; i < n; i++) {
      const d = buf[off + i]! - key[i]!;
      if (d !== 0) return d;
    }
    return klen - lb;
  }
}

/** Spacing of large-entry locations: -(index + 1) * LARGE_STRIDE, so offsets inside an entry stay apart. */
const LARGE_STRIDE = 2 ** 33;
