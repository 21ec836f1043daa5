// A block handle: where a block's payload sits in the file (offset) and how long it is
// (size, excluding the 8-byte trailer). Encoded as two varints, as in LevelDB.

import { cursor, getVarint64, putVarint, type ByteSink } from '@lsm/base';

/** Location of a block's payload; its trailer follows at offset + size. */
export interface BlockHandle {
  readonly offset: number;
  readonly size: number;
}

/** Largest encoded handle: two varints of up to 8 bytes each (2^53 needs 8 groups). */
export const MAX_HANDLE_LENGTH = 16;

/** Appends the handle's encoding to `sink`. */
export function putBlockHandle(sink: ByteSink, h: BlockHandle): void {
  sink.ensure(MAX_HANDLE_LENGTH + 4);
  sink.len = putVarint(sink.buf, sink.len, h.offset);
  sink.len = putVarint(sink.buf, sink.len, h.size);
}

/** Encodes a handle into a new buffer. */
export function encodeBlockHandle(h: BlockHandle): Uint8Array {
  const out = new Uint8Array(MAX_HANDLE_LENGTH);
  let n = putVarint(out, 0, h.offset);
  n = putVarint(out, n, h.size);
  return out.slice(0, n);
}

/**
 * Decodes a handle from `buf[off, end)`. Returns undefined on malformed bytes; on
 * success `cursor.pos` is the offset after it.
 */
export function decodeBlockHandle(buf: Uint8Array, off: number, end: number): BlockHandle | undefined {
  const offset = getVarint64(buf, off, end);
  if (offset < 0) return undefined;
  const size = getVarint64(buf, cursor.pos, end);
  if (size < 0) return undefined;
  return { offset, size };
}
