// Byte coding shared by every block: LEB128 varints (32-bit and up to 2^53), fixed-width
// little-endian integers, and a growable output buffer. Decoders never throw and never
// read past the end: they return -1 (varints) so the caller can raise a CorruptionError
// that names its file and offset.

/** Largest value a varint64 may carry here: JS safe integers. */
export const MAX_VARINT64 = Number.MAX_SAFE_INTEGER;

/**
 * Where the last varint decode ended. A module-level cursor avoids allocating a
 * {value, next} pair per decode on hot paths; read it right after the call.
 */
export const cursor = { pos: 0 };

/** Decodes a varint32 at `off` (not beyond `end`). Returns -1 on truncation or overflow. */
export function getVarint32(buf: Uint8Array, off: number, end: number): number {
  let result = 0;
  let shift = 0;
  let p = off;
  while (p < end) {
    const b = buf[p++]!;
    if (shift === 28) {
      if (b > 0x0f) return -1; // more than 32 bits
      cursor.pos = p;
      return (result | (b << 28)) >>> 0;
    }
    result |= (b & 0x7f) << shift;
    if (b < 0x80) {
      cursor.pos = p;
      return result >>> 0;
    }
    shift += 7;
  }
  return -1;
}

/** Decodes a varint of up to 2^53-1 at `off`. Returns -1 on truncation or overflow. */
export function getVarint64(buf: Uint8Array, off: number, end: number): number {
  let result = 0;
  let mul = 1;
  let p = off;
  while (p < end) {
    const b = buf[p++]!;
    result += (b & 0x7f) * mul;
    if (b < 0x80) {
      if (result > MAX_VARINT64) return -1;
      cursor.pos = p;
      return result;
    }
    mul *= 128;
    if (mul >= 2 ** 56) return -1; // at most 8 bytes: 56 bits is already past 2^53
  }
  return -1;
}

/** Bytes needed to encode `v` as a varint. */
export function varintLength(v: number): number {
  let n = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

/** Encodes `v` (0 <= v <= 2^53-1) at `off`; returns the offset after it. */
export function putVarint(buf: Uint8Array, off: number, v: number): number {
  while (v >= 128) {
    buf[off++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128);
  }
  buf[off++] = v;
  return off;
}

/** Reads a little-endian uint32. Caller guarantees bounds. */
export function getU32(buf: Uint8Array, off: number): number {
  return (buf[off]! | (buf[off + 1]! << 8) | (buf[off + 2]! << 16) | (buf[off + 3]! << 24)) >>> 0;
}

/** Writes a little-endian uint32. */
export function putU32(buf: Uint8Array, off: number, v: number): void {
  buf[off] = v & 0xff;
  buf[off + 1] = (v >>> 8) & 0xff;
  buf[off + 2] = (v >>> 16) & 0xff;
  buf[off + 3] = (v >>> 24) & 0xff;
}

/** Reads a little-endian uint64 as a number; returns -1 when it exceeds 2^53-1. */
export function getU64(buf: Uint8Array, off: number): number {
  const lo = getU32(buf, off);
  const hi = getU32(buf, off + 4);
  if (hi > 0x1fffff) return -1;
  return hi * 0x100000000 + lo;
}

/** Writes a non-negative safe integer as a little-endian uint64. */
export function putU64(buf: Uint8Array, off: number, v: number): void {
  putU32(buf, off, v >>> 0);
  putU32(buf, off + 4, Math.floor(v / 0x100000000));
}

/** A growable byte buffer for building blocks; `bytes()` is a view valid until the next write. */
export class ByteSink {
  buf: Uint8Array;
  len = 0;

  constructor(initialCapacity = 4096) {
    this.buf = new Uint8Array(Math.max(16, initialCapacity));
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    const need = this.len + n;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  putByte(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b;
  }

  putVarint(v: number): void {
    this.ensure(10);
    this.len = putVarint(this.buf, this.len, v);
  }

  putU32(v: number): void {
    this.ensure(4);
    putU32(this.buf, this.len, v);
    this.len += 4;
  }

  putU64(v: number): void {
    this.ensure(8);
    putU64(this.buf, this.len, v);
    this.len += 8;
  }

  /** Appends `data[start, end)`. Short runs are copied in a loop (cheaper than a view + set). */
  putBytes(data: Uint8Array, start = 0, end = data.length): void {
    const n = end - start;
    this.ensure(n);
    const buf = this.buf;
    let o = this.len;
    if (n <= 32) {
      for (let i = start; i < end; i++) buf[o++] = data[i]!;
    } else {
      buf.set(start === 0 && end === data.length ? data : data.subarray(start, end), o);
    }
    this.len += n;
  }

  /** A view of the bytes written so far (valid until the next write or reset). */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }

  reset(): void {
    this.len = 0;
  }
}
