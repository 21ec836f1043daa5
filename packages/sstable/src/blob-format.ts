// The fixed parts of a blob file (FORMAT.md, "Blob files"): the 24-byte header, the
// 32-byte footer, the seed of each record's checksum, and where the regions of a file lie
// given its header flags (encryption header, dictionary record, records). Shared by
// BlobFileWriter and BlobFileReader so the two can never disagree about a byte. Decoders
// check every field and throw CorruptionError naming the file and offset
// (NotSupportedError for a newer version or an unknown flag).

import { xxh32, getU32, getU64, putU32, putU64, CorruptionError, NotSupportedError } from '@lsm/base';
import { ENCRYPTION_HEADER_SIZE } from '@lsm/encryption';

/** Format version written in the header. */
export const BLOB_FORMAT_VERSION = 1;
/** "lsm.blob" */
export const BLOB_MAGIC = Uint8Array.from([0x6c, 0x73, 0x6d, 0x2e, 0x62, 0x6c, 0x6f, 0x62]);
/** Magic number ending the footer. */
export const BLOB_FOOTER_MAGIC = 0xb10bf11e;
export const BLOB_HEADER_SIZE = 24;
export const BLOB_FOOTER_SIZE = 32;
/** Smallest record: compression + flags bytes, two 1-byte varints, the checksum. */
export const BLOB_MIN_RECORD_SIZE = 8;

/** Header flag bits (byte 9). A file with neither is byte-for-byte the original format. */
export const BlobFlags = {
  /**
   * The 64-byte encryption header follows the blob header, and every record (and the
   * dictionary) is sealed with AES-256-GCM. Also set in the flags byte of each record of
   * such a file.
   */
  Encrypted: 0x01,
  /** A zstd dictionary record precedes the records; records may use compression id 2. */
  Dictionary: 0x02,
} as const;
const KNOWN_FLAGS = BlobFlags.Encrypted | BlobFlags.Dictionary;

/** Encodes the header of blob file `fileId` with `flags` (BlobFlags). */
export function encodeBlobHeader(fileId: number, flags = 0): Uint8Array {
  const h = new Uint8Array(BLOB_HEADER_SIZE);
  h.set(BLOB_MAGIC, 0);
  h[8] = BLOB_FORMAT_VERSION;
  h[9] = flags;
  // bytes 10..11 reserved, zero
  putU64(h, 12, fileId);
  putU32(h, 20, xxh32(h.subarray(0, 20)));
  return h;
}

/** What a blob file header records. */
export interface BlobHeader {
  fileId: number;
  /** BlobFlags bits. */
  flags: number;
}

/** Checks a header read from `path`; returns the file id and flags it records. */
export function decodeBlobHeader(h: Uint8Array, path: string): BlobHeader {
  if (h.length < BLOB_HEADER_SIZE) throw new CorruptionError(path, 0, `file is ${h.length} bytes, too short for a blob file header`);
  for (let i = 0; i < BLOB_MAGIC.length; i++) {
    if (h[i] !== BLOB_MAGIC[i]) throw new CorruptionError(path, 0, 'bad blob file magic');
  }
  if (getU32(h, 20) !== xxh32(h.subarray(0, 20))) throw new CorruptionError(path, 0, 'blob file header checksum mismatch');
  if (h[8] !== BLOB_FORMAT_VERSION) throw new NotSupportedError(`${path}: blob file format version ${h[8]} is not supported (this build reads ${BLOB_FORMAT_VERSION})`);
  const flags = h[9]!;
  if ((flags & ~KNOWN_FLAGS) !== 0) throw new NotSupportedError(`${path}: blob file flags 0x${flags.toString(16)} need a newer reader`);
  if (h[10] !== 0 || h[11] !== 0) throw new CorruptionError(path, 10, 'blob file header reserved bytes are not zero');
  const id = getU64(h, 12);
  if (id < 0) throw new CorruptionError(path, 12, 'blob file id out of range');
  return { fileId: id, flags };
}

/** Bytes before the first record or the dictionary: the blob header, plus the encryption header when encrypted. */
export function blobPrefixSize(flags: number): number {
  return BLOB_HEADER_SIZE + (flags & BlobFlags.Encrypted ? ENCRYPTION_HEADER_SIZE : 0);
}

/** What the footer records. */
export interface BlobFooter {
  recordCount: number;
  /** Bytes of all records: the file is headers + dictionary record + recordBytes + footer. */
  recordBytes: number;
  /** XXH64 of every byte before the footer. */
  checksum: bigint;
}

/** Encodes a footer. */
export function encodeBlobFooter(f: BlobFooter): Uint8Array {
  const b = new Uint8Array(BLOB_FOOTER_SIZE);
  putU64(b, 0, f.recordCount);
  putU64(b, 8, f.recordBytes);
  putU32(b, 16, Number(f.checksum & 0xffffffffn));
  putU32(b, 20, Number(f.checksum >> 32n));
  putU32(b, 24, BLOB_FOOTER_MAGIC);
  putU32(b, 28, xxh32(b.subarray(0, 28)));
  return b;
}

/**
 * Checks a footer found at `offset` of a file of `fileSize` bytes whose header has
 * `flags`. Without a dictionary the records start right after the prefix (headers), so
 * the sizes must add up exactly; with one, the dictionary record fills the gap between
 * the prefix and the records and must be at least a minimal record.
 */
export function decodeBlobFooter(b: Uint8Array, path: string, offset: number, fileSize: number, flags = 0): BlobFooter {
  if (getU32(b, 24) !== BLOB_FOOTER_MAGIC) throw new CorruptionError(path, offset, 'bad blob file footer magic (file not finished?)');
  if (getU32(b, 28) !== xxh32(b.subarray(0, 28))) throw new CorruptionError(path, offset, 'blob file footer checksum mismatch');
  const recordCount = getU64(b, 0);
  const recordBytes = getU64(b, 8);
  const prefix = blobPrefixSize(flags);
  const dictionaryBytes = fileSize - BLOB_FOOTER_SIZE - recordBytes - prefix;
  const fits = flags & BlobFlags.Dictionary ? dictionaryBytes >= BLOB_MIN_RECORD_SIZE : dictionaryBytes === 0;
  if (recordCount < 0 || recordBytes < 0 || !fits) {
    throw new CorruptionError(path, offset, `blob file footer claims ${recordBytes} record bytes, but the file is ${fileSize} bytes`);
  }
  if (recordCount * BLOB_MIN_RECORD_SIZE > recordBytes) throw new CorruptionError(path, offset, `blob file footer claims ${recordCount} records in ${recordBytes} bytes`);
  const checksum = (BigInt(getU32(b, 20)) << 32n) | BigInt(getU32(b, 16));
  return { recordCount, recordBytes, checksum };
}

/**
 * Seed of the checksum of the record at `offset` of blob file `fileId`: an intact record
 * read through a pointer with the wrong offset or file id fails its check.
 */
export function blobRecordSeed(fileId: number, offset: number): number {
  const lo = (offset >>> 0) ^ Math.imul(Math.floor(offset / 0x100000000) + 1, 0x85ebca6b);
  const f = Math.imul((fileId >>> 0) ^ Math.floor(fileId / 0x100000000), 0x9e3779b1);
  return (lo ^ f ^ 0xb10b5eed) >>> 0;
}
