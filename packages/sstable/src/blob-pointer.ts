// A blob pointer: where a separated value lives (K/V separation). It is the value bytes
// of a ValueType.Indirection entry in a table: varint64 file id, varint64 offset of the
// record in the blob file, varint64 size of the whole record. Decoding is strict (no
// trailing bytes, record at or after the header), so a damaged pointer is a
// CorruptionError and never a read of some other place.

import { ByteSink, cursor, getVarint64, CorruptionError } from '@lsm/base';
import { BLOB_HEADER_SIZE, BLOB_MIN_RECORD_SIZE } from './blob-format.js';

/** Where one separated value is stored. */
export interface BlobPointer {
  /** File number of the blob file. */
  readonly fileId: number;
  /** Offset of the record in the file. */
  readonly offset: number;
  /** Size of the whole record (header, key, stored value, checksum). */
  readonly size: number;
}

/** Encodes `p` as the value bytes of an Indirection entry (a fresh array). */
export function encodeBlobPointer(p: BlobPointer): Uint8Array {
  const s = new ByteSink(24);
  s.putVarint(p.fileId);
  s.putVarint(p.offset);
  s.putVarint(p.size);
  return s.buf.slice(0, s.len);
}

/**
 * Decodes the value bytes of an Indirection entry. Damage is a CorruptionError naming
 * `file` (the table the pointer was read from) and `offset`.
 */
export function decodeBlobPointer(bytes: Uint8Array, file = '(blob pointer)', offset = 0): BlobPointer {
  const end = bytes.length;
  const fileId = getVarint64(bytes, 0, end);
  const off = fileId < 0 ? -1 : getVarint64(bytes, cursor.pos, end);
  const size = off < 0 ? -1 : getVarint64(bytes, cursor.pos, end);
  if (size < 0 || cursor.pos !== end) throw new CorruptionError(file, offset, `malformed blob pointer (${end} bytes)`);
  if (off < BLOB_HEADER_SIZE || size < BLOB_MIN_RECORD_SIZE) {
    throw new CorruptionError(file, offset, `blob pointer names record at offset ${off} of size ${size}, which no blob file holds`);
  }
  return { fileId, offset: off, size };
}
