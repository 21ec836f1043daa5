// One record of a blob file, in either of its two framings (FORMAT.md, "Blob files"):
//   plain:     [compression id][flags 0][varint32 k][varint64 v][key][stored value][xxh32]
//   encrypted: [compression id][flags 1][varint64 s][AES-GCM(varint32 k ‖ key ‖ stored value) ‖ tag (s bytes)][xxh32]
// The XXH32 is seeded with the file number and the record's offset, so accidental damage
// and misdirected pointers are caught before any decryption. In an encrypted record the
// key, the stored value and the key length are ciphertext; nonce = the record's offset
// and AAD binds file kind Blob, the block type (a value record or the dictionary) and
// the compression id, so a record moved within or between files, or relabelled, fails
// authentication. Decoding never returns bytes that did not pass both checks.

import { blobRecordSeed } from './blob-format.js';
import { xxh32, ByteSink, cursor, getU32, getVarint32, getVarint64, putU32, CorruptionError, NotSupportedError } from '@lsm/base';
import type { FileCipher } from '@lsm/encryption';

/** Record flag: the record is sealed (set on every record of an encrypted file, on none of a plain one). */
export const RECORD_ENCRYPTED = 0x01;

/** A decoded record: compression id, the key, and the stored (still compressed) value. */
export interface DecodedBlobRecord {
  compression: number;
  key: Uint8Array;
  stored: Uint8Array;
}

const scratch = new ByteSink(1024);

/**
 * Appends the record of `key` (stored value `payload`, compressed with `compression`) to
 * `sink`; the record will start at file offset `offset` of blob file `fileId`. With
 * `cipher` it is sealed as block type `type`.
 */
export function appendBlobRecord(
  sink: ByteSink,
  fileId: number,
  offset: number,
  compression: number,
  key: Uint8Array,
  payload: Uint8Array,
  cipher: FileCipher | undefined,
  type: number,
): void {
  const start = sink.len;
  sink.putByte(compression);
  if (cipher === undefined) {
    sink.putByte(0);
    sink.putVarint(key.length);
    sink.putVarint(payload.length);
    sink.putBytes(key);
    sink.putBytes(payload);
  } else {
    scratch.reset();
    scratch.putVarint(key.length);
    scratch.putBytes(key);
    scratch.putBytes(payload);
    const sealed = cipher.seal(scratch.bytes(), offset, type, compression);
    sink.putByte(RECORD_ENCRYPTED);
    sink.putVarint(sealed.length);
    sink.putBytes(sealed);
  }
  const sum = xxh32(sink.buf.subarray(start, sink.len), blobRecordSeed(fileId, offset));
  sink.ensure(4);
  putU32(sink.buf, sink.len, sum);
  sink.len += 4;
}

/**
 * Size of the record starting at `p` in `all` (a whole file region ending at `end`), from
 * its length fields alone (not yet checked): -1 when they are malformed or run past `end`.
 * `encrypted` is the file's framing (the record's own flags are checked by decode).
 */
export function blobRecordSizeAt(all: Uint8Array, p: number, end: number, encrypted: boolean): number {
  if (p + 2 >= end) return -1;
  let size: number;
  if (encrypted) {
    const s = getVarint64(all, p + 2, end);
    size = s < 0 ? -1 : cursor.pos - p + s + 4;
  } else {
    const k = getVarint32(all, p + 2, end);
    const v = k < 0 ? -1 : getVarint64(all, cursor.pos, end);
    size = v < 0 ? -1 : cursor.pos - p + k + v + 4;
  }
  return size < 0 || p + size > end ? -1 : size;
}

/**
 * Checks and opens the record whose bytes are exactly `raw`, read at `offset` of blob
 * file `fileId` (`path` for errors). `cipher` is the file's (undefined for a plain file);
 * `type` the block type expected. CorruptionError for damage, a misdirected read, a
 * framing that contradicts the file's, or a failed authentication; NotSupportedError
 * for an unknown flag.
 */
export function decodeBlobRecord(
  raw: Uint8Array,
  path: string,
  fileId: number,
  offset: number,
  cipher: FileCipher | undefined,
  type: number,
): DecodedBlobRecord {
  const body = raw.length - 4;
  if (body < 4) throw new CorruptionError(path, offset, 'blob record too short');
  if (getU32(raw, body) !== xxh32(raw.subarray(0, body), blobRecordSeed(fileId, offset))) {
    throw new CorruptionError(path, offset, 'blob record checksum mismatch (damaged, or the pointer is wrong)');
  }
  const compression = raw[0]!;
  const flags = raw[1]!;
  if ((flags & ~RECORD_ENCRYPTED) !== 0) throw new NotSupportedError(`${path} at offset ${offset}: blob record flags 0x${flags.toString(16)} need a newer reader`);
  if (cipher === undefined) {
    if (flags !== 0) throw new CorruptionError(path, offset, 'blob record is marked encrypted in an unencrypted blob file');
    const keyLen = getVarint32(raw, 2, body);
    const valueLen = keyLen < 0 ? -1 : getVarint64(raw, cursor.pos, body);
    const keyAt = cursor.pos;
    if (valueLen < 0 || keyAt + keyLen + valueLen !== body) throw new CorruptionError(path, offset, 'blob record lengths do not match its size');
    return { compression, key: raw.subarray(keyAt, keyAt + keyLen), stored: raw.subarray(keyAt + keyLen, body) };
  }
  if (flags === 0) throw new CorruptionError(path, offset, 'blob record is stored unencrypted in an encrypted blob file');
  const sealedLen = getVarint64(raw, 2, body);
  const at = cursor.pos;
  if (sealedLen < 0 || at + sealedLen !== body) throw new CorruptionError(path, offset, 'blob record lengths do not match its size');
  const inner = cipher.open(raw.subarray(at, body), offset, type, compression, path);
  const keyLen = getVarint32(inner, 0, inner.length);
  const keyAt = cursor.pos;
  // Authenticated bytes that do not parse were written so by the key holder: still reported, never guessed at.
  if (keyLen < 0 || keyAt + keyLen > inner.length) throw new CorruptionError(path, offset, 'decrypted blob record has a bad key length');
  return { compression, key: inner.subarray(keyAt, keyAt + keyLen), stored: inner.subarray(keyAt + keyLen) };
}
