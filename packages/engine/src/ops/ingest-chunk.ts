// The packed form of a run of ingested pairs, as the store's thread hands it to an ingest
// worker: one ArrayBuffer (transferred, not copied) holding, per pair, the key length and
// the value length (u32, little-endian) then the key and value bytes. It exists only in
// memory between two threads of one process, so it has no version and no checksum.

/** Fills chunks of packed pairs. */
export class ChunkPacker {
  private buf: Uint8Array;
  private view: DataView;
  private at = 0;
  /** Pairs in the current chunk. */
  count = 0;

  /** `target`: the size at which the chunk counts as full (a larger pair still fits); allocated when the first pair comes. */
  constructor(readonly target: number) {
    this.buf = new Uint8Array(0);
    this.view = new DataView(this.buf.buffer);
  }

  /** Bytes packed in the current chunk. */
  get bytes(): number {
    return this.at;
  }

  get full(): boolean {
    return this.at >= this.target;
  }

  /** Appends a pair; returns the view of its key inside the chunk (valid until take()). */
  add(key: Uint8Array, value: Uint8Array): Uint8Array {
    const need = 8 + key.length + value.length;
    if (this.at + need > this.buf.length) this.grow(this.at + need);
    const v = this.view;
    v.setUint32(this.at, key.length, true);
    v.setUint32(this.at + 4, value.length, true);
    const k = this.at + 8;
    this.buf.set(key, k);
    this.buf.set(value, k + key.length);
    this.at = k + key.length + value.length;
    this.count++;
    return this.buf.subarray(k, k + key.length);
  }

  private grow(min: number): void {
    const next = new Uint8Array(Math.max(min, this.buf.length * 2, this.target));
    next.set(this.buf.subarray(0, this.at));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /** The packed chunk (exactly its bytes) and its pair count; the packer starts a new one. */
  take(): { chunk: Uint8Array; count: number } {
    const out = { chunk: this.buf.subarray(0, this.at), count: this.count };
    this.buf = new Uint8Array(0);
    this.view = new DataView(this.buf.buffer);
    this.at = 0;
    this.count = 0;
    return out;
  }
}

/** Calls `each` with every pair of a packed chunk, as views into it. */
export function forEachPacked(chunk: Uint8Array, count: number, each: (key: Uint8Array, value: Uint8Array) => void): void {
  const v = new DataView(chunk.buffer, chunk.byteOffset, chunk.length);
  let at = 0;
  for (let i = 0; i < count; i++) {
    const kl = v.getUint32(at, true);
    const vl = v.getUint32(at + 4, true);
    const k = chunk.byteOffset + at + 8;
    each(new Uint8Array(chunk.buffer, k, kl), new Uint8Array(chunk.buffer, k + kl, vl));
    at += 8 + kl + vl;
  }
  if (at !== chunk.length) throw new RangeError(`ingest chunk: ${count} pairs end at byte ${at} of ${chunk.length}`);
}
