// ByteImage: a growable byte array with a logical length, used for the durable content
// of a file and for coalesced pending writes. It promises that bytes past `len` are zero,
// so growing the length (a write past the end, or setLen) exposes zeros, as a file does.

const MAX_STEP = 64 << 20;

/** A byte array that grows on demand; `view()` is the current content. */
export class ByteImage {
  private bytes: Uint8Array;
  private length: number;

  /** Takes ownership of `initial` (no copy); its whole length is the content. */
  constructor(initial?: Uint8Array) {
    this.bytes = initial ?? new Uint8Array(0);
    this.length = this.bytes.length;
  }

  /** The content, as a view into the internal buffer (valid until the next change). */
  view(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }

  /** Copies `src` to `pos`, growing the content (with zeros in any gap) as needed. */
  write(pos: number, src: Uint8Array): void {
    if (src.length === 0) return;
    const end = pos + src.length;
    this.reserve(end);
    this.bytes.set(src, pos);
    if (end > this.length) this.length = end;
  }

  /** Truncates or extends (with zeros) to `len` bytes. */
  setLen(len: number): void {
    if (len < this.length) this.bytes.fill(0, len, this.length);
    else this.reserve(len);
    this.length = len;
  }

  private reserve(n: number): void {
    const cap = this.bytes.length;
    if (n <= cap) return;
    const grown = new Uint8Array(Math.max(n, Math.min(cap * 2, cap + MAX_STEP), 64));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }
}
