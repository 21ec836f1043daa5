// A copy of caller-supplied bytes that the callee owns. Node's Buffer is a Uint8Array
// whose slice() returns a view of the same memory, not a copy, so `bytes.slice()` on a
// Buffer a caller goes on reusing (a key buffer rewritten for each entry of a stream, a
// cipher key zeroed after open) silently changes what was "copied". Every package copies
// bytes it keeps from a caller with this.

/** A new Uint8Array holding the bytes of `bytes` (never a view, whatever subclass it is). */
export function copyOf(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}
