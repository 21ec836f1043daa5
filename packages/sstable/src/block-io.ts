// Writing and reading one stored block: payload + 8-byte trailer
//   [compression id u8][flags u8][reserved u16 = 0][xxh32 u32 LE]
// The checksum covers the payload and the first 4 trailer bytes and is seeded with the
// block's file offset. A read verifies the checksum before looking at any byte, then
// checks the trailer fields, then decompresses. Every failure is a CorruptionError naming
// the file and the block's offset; a well-formed block using an unknown feature (a flag or
// compression id from a newer writer) is a NotSupportedError.

import { blockChecksum, getU32, putU32, type ByteSink, CorruptionError, NotSupportedError, toIoError } from '@lsm/base';
import type { DictionaryDecompressor } from '@lsm/zstd-dictionary';
import type { FileCipher } from '@lsm/encryption';
import { decompressBlock } from './compression.js';
import type { BlockHandle } from './block-handle.js';
import type { Fs, FsFile } from '@lsm/fs';

/** Bytes after each block payload. */
export const BLOCK_TRAILER_SIZE = 8;

/** Trailer flag bits. */
export const BlockFlags = {
  /** The payload is AES-256-GCM ciphertext ‖ 16-byte tag (see file-cipher.ts); nonce and key come from the file. */
  Encrypted: 0x01,
} as const;

/** How to decrypt a block of an encrypted file: the file's cipher and what the block is. */
export interface BlockCrypt {
  readonly cipher: FileCipher;
  /** BlockType of the block (bound into its AAD). */
  readonly type: number;
}

/**
 * Appends `payload` and its trailer to `sink`, for a block that will start at file offset
 * `offset`. The checksum is computed over the bytes in the sink, so nothing is copied twice.
 */
export function appendBlock(sink: ByteSink, payload: Uint8Array, compressionId: number, offset: number, flags = 0): void {
  const start = sink.len;
  sink.putBytes(payload);
  sink.ensure(BLOCK_TRAILER_SIZE);
  const buf = sink.buf;
  let p = sink.len;
  buf[p++] = compressionId;
  buf[p++] = flags;
  buf[p++] = 0; // reserved
  buf[p++] = 0;
  const sum = blockChecksum(buf.subarray(start, p), offset);
  putU32(buf, p, sum);
  sink.len = p + 4;
}

/**
 * Verifies a stored block held in `raw` (payload + trailer, read from `handle.offset`)
 * and returns its contents (a view of `raw` when uncompressed). With `crypt` (a block of
 * an encrypted file) the block must be encrypted and authenticate; an unencrypted block
 * there is corruption (nothing may downgrade a block to plaintext). `dict` is the table's
 * dictionary, given only for data blocks.
 */
export function decodeStoredBlock(
  raw: Uint8Array,
  handle: BlockHandle,
  file: string,
  crypt?: BlockCrypt,
  dict?: DictionaryDecompressor,
  alloc?: (n: number) => Uint8Array,
): Uint8Array {
  const size = handle.size;
  if (raw.length !== size + BLOCK_TRAILER_SIZE) throw new CorruptionError(file, handle.offset, 'block length mismatch');
  const stored = getU32(raw, size + 4);
  const actual = blockChecksum(raw.subarray(0, size + 4), handle.offset);
  if (stored !== actual) {
    throw new CorruptionError(file, handle.offset, `block checksum mismatch (stored ${hex(stored)}, computed ${hex(actual)})`);
  }
  const id = raw[size]!;
  const flags = raw[size + 1]!;
  if ((flags & ~BlockFlags.Encrypted) !== 0 || raw[size + 2] !== 0 || raw[size + 3] !== 0) {
    throw new NotSupportedError(`block at offset ${handle.offset} of ${file} uses unknown trailer flags 0x${flags.toString(16)} or reserved bytes`);
  }
  let payload = raw.subarray(0, size);
  if (flags & BlockFlags.Encrypted) {
    if (crypt === undefined) throw new NotSupportedError(`block at offset ${handle.offset} of ${file} is encrypted; open the table with its encryption key`);
    payload = crypt.cipher.open(payload, handle.offset, crypt.type, id, file);
  } else if (crypt !== undefined) {
    throw new CorruptionError(file, handle.offset, 'block is stored unencrypted in an encrypted table');
  }
  return decompressBlock(id, payload, file, handle.offset, dict, alloc);
}

/**
 * Reads the stored block at `handle` from `file`, verifies and decodes it. `limit` is the
 * end of the region the block must lie in (a handle reaching past it is corruption, as
 * is a file that ends before the block does). Fs failures become IoError. `dict`: the
 * table's dictionary, for data blocks. `alloc`: where a decoded block's buffer comes from
 * (a BlockPool's take), when not a fresh allocation. `direct`: the block is expected to be
 * stored plain (uncompressed, unencrypted), so it is read straight into a buffer from
 * `alloc` and the contents returned are a view of its first `handle.size` bytes (a block
 * that turns out compressed is still decoded right, into a fresh buffer).
 */
export function readBlock(
  file: FsFile,
  path: string,
  handle: BlockHandle,
  limit: number,
  crypt?: BlockCrypt,
  dict?: DictionaryDecompressor,
  alloc?: (n: number) => Uint8Array,
  direct = false,
): Uint8Array {
  const total = handle.size + BLOCK_TRAILER_SIZE;
  if (handle.offset + total > limit) {
    throw new CorruptionError(path, handle.offset, `block of ${handle.size} bytes runs past the end of its region (${limit})`);
  }
  // The stored bytes go to a reused scratch buffer: a compressed or encrypted block is
  // decoded into a fresh buffer anyway, so only a plain block needs a copy of its own.
  // One allocation per block read instead of two (the reads of a cache-missing point
  // lookup are dominated by allocation and the GC it brings, not by the read).
  if (total > SCRATCH_MAX) {
    // A large meta block (a big table's filter or index): read into its own buffer.
    const own = new Uint8Array(total);
    readFully(file, path, own, handle.offset);
    return decodeStoredBlock(own, handle, path, crypt, dict);
  }
  if (direct && alloc !== undefined) {
    // A table written without compression or encryption: its blocks are stored as they
    // are used, so the read lands in the buffer the block will live in (no scratch copy).
    const own = alloc(total);
    readFully(file, path, own, handle.offset);
    return decodeStoredBlock(own, handle, path, crypt, dict);
  }
  if (scratch.length < total) scratch = new Uint8Array(SCRATCH_MAX);
  const raw = scratch.subarray(0, total);
  readFully(file, path, raw, handle.offset);
  const out = decodeStoredBlock(raw, handle, path, crypt, dict, alloc);
  if (out.buffer !== scratch.buffer) return out;
  if (alloc === undefined) return out.slice();
  const own = alloc(out.length);
  own.set(out);
  return own;
}

/** readBlock's scratch: reused by every call (synchronous, never re-entered mid-call). */
let scratch = new Uint8Array(64 * 1024);
/** Blocks above this size are not read through the scratch buffer (it never grows past it). */
const SCRATCH_MAX = 1 << 20;

/**
 * Reads exactly `buf.length` bytes at `position`. A file that ends early is corruption
 * (the format said the bytes exist); an Fs error is an IoError.
 */
export function readFully(file: FsFile, path: string, buf: Uint8Array, position: number): void {
  let off = 0;
  while (off < buf.length) {
    let n: number;
    try {
      n = file.read(off === 0 ? buf : buf.subarray(off), position + off);
    } catch (err) {
      throw toIoError(err, `reading ${buf.length} bytes at offset ${position} of ${path}`);
    }
    if (n <= 0) throw new CorruptionError(path, position, `file ends after ${position + off} bytes; expected ${buf.length} bytes here`);
    off += n;
  }
}

function hex(n: number): string {
  return n.toString(16).padStart(8, '0');
}

/** Opens a table file for reading; an Fs failure is IoError (LSM_IO) naming the path. */
export function openTableFile(fs: Fs, path: string): FsFile {
  try {
    return fs.open(path, { read: true });
  } catch (err) {
    throw toIoError(err, `opening table ${path}`);
  }
}
