// The 64-byte encryption header every encrypted file carries in plaintext (at the start
// of a log or blob file, just before the footer of a table): which cipher, which kind of
// file, its file number, which key (by key id), the per-file random salt, and a key-check
// tag that proves at open, before any data is read, that the key is the right one.
//   0  8  magic "LSMCRYPT"          28 16 salt (random per file)
//   8  1  header version (1)        44 16 key-check tag
//   9  1  cipher (1 = AES-256-GCM)   60  4 XXH32(bytes 0..60, seed 0x4c534d43)
//  10  1  file kind                 (all integers little-endian)
//  11  1  reserved (0)
//  12  8  file number (u64)
//  20  8  key id
// The checksum separates accidental damage (LSM_CORRUPTION "checksum") from a wrong key.

import { CorruptionError, getU32, getU64, NotSupportedError, putU32, putU64, xxh32 } from '@lsm/base';
import { KEY_ID_LENGTH } from './encryption-keys.js';

/** Bytes of the encryption header. */
export const ENCRYPTION_HEADER_SIZE = 64;
/** Bytes of the per-file salt. */
export const SALT_LENGTH = 16;
/** Bytes of a GCM authentication tag (appended to every encrypted block). */
export const GCM_TAG_LENGTH = 16;
/** The header version this code writes and reads. */
export const ENCRYPTION_HEADER_VERSION = 1;
/** Cipher ids. */
export const CipherId = { Aes256Gcm: 1 } as const;

/** Kinds of encrypted file: bound into each file's subkey and every block's AAD. */
export const FileKind = { Table: 1, WriteAheadLog: 2, Manifest: 3, Blob: 4 } as const;
export type FileKind = (typeof FileKind)[keyof typeof FileKind];

const MAGIC = new TextEncoder().encode('LSMCRYPT');
const HEADER_SEED = 0x4c534d43;

/** The decoded header. `bytes` is the header as stored (its first 44 bytes are authenticated). */
export interface EncryptionHeader {
  readonly kind: number;
  readonly fileNumber: number;
  readonly keyId: Uint8Array;
  readonly salt: Uint8Array;
  readonly checkTag: Uint8Array;
  readonly bytes: Uint8Array;
}

/** True when `b` starts with the header magic (an encrypted log/blob file, or a table's header slot). */
export function hasEncryptionMagic(b: Uint8Array): boolean {
  if (b.length < MAGIC.length) return false;
  for (let i = 0; i < MAGIC.length; i++) if (b[i] !== MAGIC[i]) return false;
  return true;
}

/** Lays out a header; `checkTag` is filled in by the caller through `setCheckTag`. */
export function encodeEncryptionHeader(kind: number, fileNumber: number, keyId: Uint8Array, salt: Uint8Array): Uint8Array {
  const b = new Uint8Array(ENCRYPTION_HEADER_SIZE);
  b.set(MAGIC, 0);
  b[8] = ENCRYPTION_HEADER_VERSION;
  b[9] = CipherId.Aes256Gcm;
  b[10] = kind;
  putU64(b, 12, fileNumber);
  b.set(keyId, 20);
  b.set(salt, 28);
  return b;
}

/** Stores the key-check tag and the checksum. */
export function setCheckTag(header: Uint8Array, tag: Uint8Array): void {
  header.set(tag, 44);
  putU32(header, 60, xxh32(header.subarray(0, 60), HEADER_SEED));
}

/** The authenticated part of a header (everything before the tag). */
export function headerAad(header: Uint8Array): Uint8Array {
  return header.subarray(0, 44);
}

/**
 * Decodes and checks a header read at `offset` of `file`. Damage is CorruptionError, a
 * newer header version or unknown cipher NotSupportedError. `kind` must match.
 */
export function decodeEncryptionHeader(b: Uint8Array, file: string, offset: number, kind: number): EncryptionHeader {
  if (b.length !== ENCRYPTION_HEADER_SIZE) throw new CorruptionError(file, offset, `encryption header is ${b.length} bytes, expected ${ENCRYPTION_HEADER_SIZE}`);
  if (!hasEncryptionMagic(b)) throw new CorruptionError(file, offset, 'bad encryption header magic');
  if (getU32(b, 60) !== xxh32(b.subarray(0, 60), HEADER_SEED)) throw new CorruptionError(file, offset, 'encryption header checksum mismatch');
  if (b[8] !== ENCRYPTION_HEADER_VERSION) throw new NotSupportedError(`${file} has encryption header version ${b[8]}; this version reads ${ENCRYPTION_HEADER_VERSION}`);
  if (b[9] !== CipherId.Aes256Gcm) throw new NotSupportedError(`${file} uses cipher id ${b[9]}; this version knows only 1 (AES-256-GCM)`);
  if (b[10] !== kind) throw new CorruptionError(file, offset, `encryption header is for file kind ${b[10]}, expected ${kind}`);
  if (b[11] !== 0) throw new NotSupportedError(`${file} sets reserved encryption header byte 11`);
  const fileNumber = getU64(b, 12);
  if (fileNumber < 0) throw new CorruptionError(file, offset + 12, 'file number in the encryption header is too large');
  return {
    kind: b[10]!,
    fileNumber,
    keyId: b.slice(20, 20 + KEY_ID_LENGTH),
    salt: b.slice(28, 44),
    checkTag: b.slice(44, 60),
    bytes: b,
  };
}
