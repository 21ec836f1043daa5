// FileCipher: AES-256-GCM for the blocks (or records) of one file. It is the one
// primitive every encrypted file kind uses: tables, write-ahead logs, manifests, and
// blob files.
//
// Promises:
// - (subkey, nonce) never repeats. Each file gets a fresh 128-bit random salt; its subkey
//   is HKDF-SHA256(ikm = key, salt, info = "lsm.aes-256-gcm.v1" ‖ kind ‖ file number),
//   so two files share a subkey only if their salts collide (probability about n²/2^129
//   for n files: negligible). Within a file the nonce is the block's file offset (u64 LE
//   ‖ 4 zero bytes), and a file never stores two blocks at one offset (files are
//   append-only and never reopened for writing).
// - Every block is authenticated with AAD = (aad version, file kind, block type,
//   compression id, offset): a block moved within its file, copied into another file,
//   read as another block type or with its compression id altered fails to decrypt.
// - A wrong key is recognised before any data is read: the header holds the key id and a
//   key-check tag (GCM over nothing, with nonce 0xff×12, which no block offset reaches,
//   and AAD = the header's first 44 bytes ‖ caller-given extra bytes such as a table's
//   footer), so the header (and the table footer) are authenticated too.
// Failures are CorruptionError naming the file and offset; plaintext is never returned
// for a block that did not authenticate.

import { gcmOpen, gcmSeal } from './aes-gcm.js';
import { randomBytes } from '@noble/ciphers/utils.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { CorruptionError, InvalidArgumentError, putU64, shownValue } from '@lsm/base';
import {
  decodeEncryptionHeader,
  encodeEncryptionHeader,
  GCM_TAG_LENGTH,
  headerAad,
  SALT_LENGTH,
  setCheckTag,
} from './encryption-header.js';
import { keyIdHex, type KeyRing } from './encryption-keys.js';

/** What a block is: bound into its AAD. Values are part of the format (FORMAT.md). */
export const BlockType = {
  Data: 1,
  Index: 2,
  Metaindex: 3,
  Properties: 4,
  Filter: 5,
  PrefixFilter: 6,
  RangeTombstones: 7,
  /** One record of a write-ahead log or manifest. */
  LogRecord: 8,
  /** One record of a blob (value-log) file. */
  BlobRecord: 9,
  /** A table's zstd dictionary (meta block lsm.zstd_dictionary). */
  ZstdDictionary: 10,
} as const;
export type BlockType = (typeof BlockType)[keyof typeof BlockType];

const SUBKEY_INFO = new TextEncoder().encode('lsm.aes-256-gcm.v1');
const AAD_VERSION = 1;
const CHECK_NONCE = new Uint8Array(12).fill(0xff);

function subkeyOf(key: Uint8Array, salt: Uint8Array, kind: number, fileNumber: number): Uint8Array {
  const info = new Uint8Array(SUBKEY_INFO.length + 9);
  info.set(SUBKEY_INFO, 0);
  info[SUBKEY_INFO.length] = kind;
  putU64(info, SUBKEY_INFO.length + 1, fileNumber);
  return hkdf(sha256, key, salt, info, 32);
}

/**
 * Encrypts and decrypts the blocks of one file. Create one with `FileCipher.forNewFile`
 * (writers: random salt, the ring's current key; write `header()` into the file) or
 * `FileCipher.fromHeader` (readers: checks the key before anything else).
 *
 * Usage for a new file kind (e.g. blob files):
 * ```ts
 * const c = FileCipher.forNewFile(keys, FileKind.Blob, fileNumber);
 * write(c.header());                                   // 64 bytes, plaintext
 * write(c.seal(record, offset, BlockType.BlobRecord)); // ciphertext ‖ 16-byte tag, at `offset`
 * // reading:
 * const r = FileCipher.fromHeader(keys, headerBytes, path, 0, FileKind.Blob, fileNumber);
 * const record = r.open(stored, offset, BlockType.BlobRecord, 0, path);
 * ```
 */
export class FileCipher {
  private constructor(
    private readonly subkey: Uint8Array,
    /** The file kind (FileKind). */
    readonly kind: number,
    /** The file number bound into the subkey. */
    readonly fileNumber: number,
    private readonly headerBytes: Uint8Array,
  ) {}

  /** A cipher for a file about to be written: fresh random salt, the ring's current key. */
  static forNewFile(keys: KeyRing, kind: number, fileNumber: number): FileCipher {
    if (!Number.isSafeInteger(fileNumber) || fileNumber < 0) throw new InvalidArgumentError(`file number must be a safe integer >= 0, got ${shownValue(fileNumber)}`);
    const salt = randomBytes(SALT_LENGTH);
    const header = encodeEncryptionHeader(kind, fileNumber, keys.current.id, salt);
    return new FileCipher(subkeyOf(keys.current.key, salt, kind, fileNumber), kind, fileNumber, header);
  }

  /**
   * A cipher for an existing file, from its 64-byte header read at `offset`. Checks the
   * header (CorruptionError when damaged), that it is of `kind` and, when given, that it
   * belongs to file `fileNumber` (a renamed or swapped file is CorruptionError), then
   * that `keys` holds its key and the key-check tag verifies over the header and
   * `extraAad` — else CorruptionError "encryption key does not match".
   */
  static fromHeader(
    keys: KeyRing,
    header: Uint8Array,
    file: string,
    offset: number,
    kind: number,
    fileNumber: number | undefined,
    extraAad?: Uint8Array,
  ): FileCipher {
    const h = decodeEncryptionHeader(header, file, offset, kind);
    if (fileNumber !== undefined && h.fileNumber !== fileNumber) {
      throw new CorruptionError(file, offset + 12, `file holds encrypted file number ${h.fileNumber}, expected ${fileNumber} (renamed or swapped file)`);
    }
    const key = keys.find(h.keyId);
    if (key === undefined) {
      throw new CorruptionError(file, offset + 20, `encryption key does not match: the file was written with key id ${keyIdHex(h.keyId)}, the given keys have ids ${keys.ids.join(', ')}`);
    }
    const c = new FileCipher(subkeyOf(key, h.salt, kind, h.fileNumber), kind, h.fileNumber, header.slice());
    try {
      gcmOpen(c.subkey, CHECK_NONCE, c.checkAad(extraAad), h.checkTag);
    } catch {
      throw new CorruptionError(file, offset + 44, 'encryption key does not match: the key check failed (wrong key, or the encryption header or footer was altered)');
    }
    return c;
  }

  /** The 64-byte header to store in the file, its key-check tag covering `extraAad` too. */
  header(extraAad?: Uint8Array): Uint8Array {
    const b = this.headerBytes.slice();
    const tag = gcmSeal(this.subkey, CHECK_NONCE, this.checkAad(extraAad, b), new Uint8Array(0));
    setCheckTag(b, tag);
    return b;
  }

  /** Encrypts one block stored at file offset `offset`: returns ciphertext ‖ 16-byte tag. */
  seal(plaintext: Uint8Array, offset: number, type: number, compressionId = 0): Uint8Array {
    return gcmSeal(this.subkey, nonceOf(offset), blockAad(this.kind, type, compressionId, offset), plaintext);
  }

  /**
   * Decrypts one stored block (ciphertext ‖ tag) read at `offset`. A block that does not
   * authenticate (altered, moved, from another file, another type) is CorruptionError.
   */
  open(sealed: Uint8Array, offset: number, type: number, compressionId: number, file: string): Uint8Array {
    if (sealed.length < GCM_TAG_LENGTH) throw new CorruptionError(file, offset, `encrypted block of ${sealed.length} bytes is shorter than its tag`);
    try {
      return gcmOpen(this.subkey, nonceOf(offset), blockAad(this.kind, type, compressionId, offset), sealed);
    } catch (err) {
      throw new CorruptionError(file, offset, 'encrypted block failed authentication (altered, moved from another offset or file, or of another block type)', { cause: err });
    }
  }

  private checkAad(extra: Uint8Array | undefined, header = this.headerBytes): Uint8Array {
    const head = headerAad(header);
    if (extra === undefined || extra.length === 0) return head;
    const a = new Uint8Array(head.length + extra.length);
    a.set(head, 0);
    a.set(extra, head.length);
    return a;
  }
}

/** Bytes an encrypted block grows by (the GCM tag). */
export const ENCRYPTION_OVERHEAD = GCM_TAG_LENGTH;

function nonceOf(offset: number): Uint8Array {
  const n = new Uint8Array(12);
  putU64(n, 0, offset);
  return n;
}

function blockAad(kind: number, type: number, compressionId: number, offset: number): Uint8Array {
  const a = new Uint8Array(16);
  a[0] = AAD_VERSION;
  a[1] = kind;
  a[2] = type;
  a[3] = compressionId;
  putU64(a, 8, offset);
  return a;
}
