// Encryption of the store's logs (write-ahead logs and manifests). An encrypted log starts
// with the 64-byte encryption header of @lsm/encryption (salt, key id, key-check tag, bound
// to the file kind and number); the usual framing follows from offset 64, and every
// record is sealed with AES-256-GCM. An unencrypted log is exactly as before: no header.
// Reading checks, before any record, that the log's encryption matches the store's and
// that the key is right.

import { type FsFile, writeAll } from '@lsm/fs';
import { CorruptionError, InvalidArgumentError, xxh32 } from '@lsm/base';
import { ENCRYPTION_HEADER_SIZE, FileCipher, FileKind, type KeyRing, hasEncryptionMagic } from '@lsm/encryption';
import { FragmentType, LOG_BLOCK_SIZE, LOG_HEADER_SIZE, logChecksumSeed } from './log-format.js';
import { LogWriter } from './log-writer.js';

/**
 * Starts a log in the new, empty `file`: without keys a plain LogWriter; with keys, writes
 * the encryption header first and, when `syncHeader`, fsyncs it, so no later record can
 * survive a crash that lost the header (records are never acknowledged before it).
 */
export function startLog(file: FsFile, number: number, kind: number, keys: KeyRing | undefined, syncHeader: boolean): LogWriter {
  if (keys === undefined) return new LogWriter(file, number);
  const cipher = FileCipher.forNewFile(keys, kind, number);
  writeAll(file, cipher.header());
  if (syncHeader) file.syncData();
  return new LogWriter(file, number, ENCRYPTION_HEADER_SIZE, cipher);
}

/** How to read one log: its cipher (undefined when unencrypted) and where records start. */
export interface LogEncryption {
  cipher: FileCipher | undefined;
  start: number;
}

/**
 * Checks the encryption of a log read whole into `data` against the store's `keys`.
 * For a manifest (whose encryption decides the store's), a mismatch is the caller's
 * mistake: LSM_INVALID_ARGUMENT naming `dir` (but a manifest that starts with neither the
 * magic nor a valid record is damaged: LSM_CORRUPTION). For a write-ahead log of a store whose
 * manifest already settled that, it is LSM_CORRUPTION. A write-ahead log shorter than
 * its header is a crash during its creation: `null` (no records).
 */
export function openLog(data: Uint8Array, path: string, kind: number, number: number, keys: KeyRing | undefined, dir: string): LogEncryption | null {
  const manifest = kind === FileKind.Manifest;
  const encrypted = hasEncryptionMagic(data);
  if (keys === undefined) {
    if (!encrypted) return { cipher: undefined, start: 0 };
    if (manifest) throw new InvalidArgumentError(`the store at ${dir} is encrypted: open it with option encryption`);
    throw new CorruptionError(path, 0, 'write-ahead log is encrypted, but the store is not');
  }
  if (data.length < ENCRYPTION_HEADER_SIZE) {
    if (!manifest) return null;
    throw new CorruptionError(path, 0, `manifest of ${data.length} bytes is too short for its encryption header`);
  }
  if (!encrypted) {
    if (manifest) {
      // An unencrypted manifest starts with a valid record. One that starts with neither
      // is damaged (an encrypted manifest's magic, say), not the caller's mistake.
      if (!startsWithFragment(data, number)) {
        throw new CorruptionError(path, 0, 'the manifest starts with neither the encryption header magic nor a valid record: its first bytes are damaged');
      }
      throw new InvalidArgumentError(`the store at ${dir} is not encrypted, but option encryption was given`);
    }
    throw new CorruptionError(path, 0, 'write-ahead log is not encrypted, but the store is');
  }
  const cipher = FileCipher.fromHeader(keys, data.subarray(0, ENCRYPTION_HEADER_SIZE), path, 0, kind, number);
  return { cipher, start: ENCRYPTION_HEADER_SIZE };
}

/** True when `data` (a plaintext log) starts with a fragment whose checksum checks out for log `number`. */
function startsWithFragment(data: Uint8Array, number: number): boolean {
  if (data.length < LOG_HEADER_SIZE) return false;
  const len = data[4]! | (data[5]! << 8);
  const type = data[6]!;
  if (type < FragmentType.Full || type > FragmentType.Last || LOG_HEADER_SIZE + len > Math.min(data.length, LOG_BLOCK_SIZE)) return false;
  const crc = (data[0]! | (data[1]! << 8) | (data[2]! << 16) | (data[3]! << 24)) >>> 0;
  return xxh32(data.subarray(6, LOG_HEADER_SIZE + len), logChecksumSeed(number)) === crc;
}
