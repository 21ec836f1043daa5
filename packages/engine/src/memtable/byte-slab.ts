// Copies of small keys and values, carved out of shared 32 KiB slabs. A new Uint8Array of
// more than 64 bytes gets its own off-heap ArrayBuffer, which costs ~850 ns on this
// machine (Node 20, 2026-11-24); a view into a slab plus set() costs ~35 ns. Node's
// Buffer.allocUnsafe pools small buffers the same way. The price: a returned array may
// be a view into a larger ArrayBuffer (use byteOffset/byteLength, as with Buffers), and a
// retained small copy keeps its 32 KiB slab alive. Copies over 2 KiB get their own buffer.

import { copyOf } from '@lsm/base';

const SLAB_BYTES = 32 * 1024;
const MAX_POOLED = 2048;

let slab = new Uint8Array(SLAB_BYTES);
let used = 0;

/** A copy of `src` that the caller owns (nothing else ever writes to it). */
export function copyBytes(src: Uint8Array): Uint8Array {
  const n = src.length;
  if (n > MAX_POOLED) return copyOf(src);
  if (used + n > SLAB_BYTES) {
    slab = new Uint8Array(SLAB_BYTES);
    used = 0;
  }
  const out = slab.subarray(used, used + n);
  used += (n + 7) & ~7; // keep copies 8-byte aligned
  out.set(src);
  return out;
}
