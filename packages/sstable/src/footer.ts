// The footer: the last 64 bytes of every table, the reader's entry point.
//   0  metaindex handle  (u64 offset, u64 size)
//  16  index handle      (u64 offset, u64 size)
//  32  properties handle (u64 offset, u64 size)
//  48  format version    u32
//  52  footer checksum   u32  = XXH32(bytes 0..52, seed 0x4c534d46)
//  56  magic             8 bytes "LSMTABLE" (u64 LE 0x454c4241544d534c)
// All integers little-endian. Decoding order: magic (else "not a table"), checksum (else
// corruption), version (a checksummed version newer than ours is NotSupportedError).
// Future versions keep this 64-byte tail; they may add fields before it (version 2,
// encrypted tables, puts the 64-byte encryption header there).

import { xxh32, getU32, getU64, putU32, putU64, CorruptionError, NotSupportedError } from '@lsm/base';
import type { BlockHandle } from './block-handle.js';

/** Footer length in bytes. */
export const FOOTER_SIZE = 64;

/** Magic number: the ASCII bytes "LSMTABLE", as the low and high u32 LE halves. */
export const MAGIC_LO = 0x544d534c;
export const MAGIC_HI = 0x454c4241;

/** The format version of unencrypted tables (what this code writes without a key). */
export const FORMAT_VERSION = 1;
/**
 * The format version of encrypted tables: version 1's layout with every block encrypted
 * and a 64-byte encryption header between the properties block and the footer. The
 * newest version this code reads.
 */
export const ENCRYPTED_FORMAT_VERSION = 2;

const FOOTER_SEED = 0x4c534d46;

/** The decoded footer. */
export interface Footer {
  readonly metaindex: BlockHandle;
  readonly index: BlockHandle;
  readonly properties: BlockHandle;
  readonly formatVersion: number;
}

/** Encodes a footer. */
export function encodeFooter(f: Footer): Uint8Array {
  const b = new Uint8Array(FOOTER_SIZE);
  putU64(b, 0, f.metaindex.offset);
  putU64(b, 8, f.metaindex.size);
  putU64(b, 16, f.index.offset);
  putU64(b, 24, f.index.size);
  putU64(b, 32, f.properties.offset);
  putU64(b, 40, f.properties.size);
  putU32(b, 48, f.formatVersion);
  putU32(b, 52, xxh32(b.subarray(0, 52), FOOTER_SEED));
  putU32(b, 56, MAGIC_LO);
  putU32(b, 60, MAGIC_HI);
  return b;
}

/**
 * Decodes and validates the footer read from the last 64 bytes of `file` (at
 * `footerOffset`). Handles are checked to lie before the footer.
 */
export function decodeFooter(b: Uint8Array, file: string, footerOffset: number): Footer {
  if (b.length !== FOOTER_SIZE) throw new CorruptionError(file, footerOffset, 'short footer');
  if (getU32(b, 56) !== MAGIC_LO || getU32(b, 60) !== MAGIC_HI) {
    throw new CorruptionError(file, footerOffset + 56, 'bad magic number: not an sstable, or its tail is damaged');
  }
  const version = getU32(b, 48);
  if (getU32(b, 52) !== xxh32(b.subarray(0, 52), FOOTER_SEED)) {
    throw new CorruptionError(file, footerOffset, `footer checksum mismatch (format version field reads ${version})`);
  }
  if (version > ENCRYPTED_FORMAT_VERSION) {
    throw new NotSupportedError(`${file} has table format version ${version}; this version of @lsm/sstable reads up to ${ENCRYPTED_FORMAT_VERSION}`);
  }
  if (version < 1) throw new CorruptionError(file, footerOffset + 48, `invalid format version ${version}`);
  const handle = (at: number, what: string): BlockHandle => {
    const offset = getU64(b, at);
    const size = getU64(b, at + 8);
    if (offset < 0 || size < 0 || offset + size > footerOffset) {
      throw new CorruptionError(file, footerOffset + at, `${what} handle points outside the file`);
    }
    return { offset, size };
  };
  return {
    metaindex: handle(0, 'metaindex'),
    index: handle(16, 'index'),
    properties: handle(32, 'properties'),
    formatVersion: version,
  };
}
