// BlobFileReader: reads separated values back through their pointers. open() checks the
// header (magic, version, flags, file id), for an encrypted file the encryption header
// and key (before any record is read), the footer (magic, checksum, sizes), and loads the
// file's zstd dictionary once when it has one. read() checks that the pointer lies inside
// the record region, then the record's checksum (seeded with file id and offset, so a
// pointer to the wrong place fails), then decrypts and authenticates it (encrypted
// files), then that the record holds the expected key, then decompresses. Every failure
// is a CorruptionError naming the file and the record's offset; it never returns a wrong
// value. records() checks the whole file (XXH64, every record, the footer's counts).

import { type Fs, type FsFile } from '@lsm/fs';
import {
  BlobFlags,
  BLOB_FOOTER_SIZE,
  BLOB_HEADER_SIZE,
  BLOB_MIN_RECORD_SIZE,
  type BlobFooter,
  blobPrefixSize,
  decodeBlobFooter,
  decodeBlobHeader,
} from './blob-format.js';
import type { BlobPointer } from './blob-pointer.js';
import { blobRecordSizeAt, decodeBlobRecord } from './blob-record.js';
import { xxh64, CorruptionError, FileHasher, InvalidArgumentError, closedError, cursor, getVarint32, getVarint64, isLsmError, toIoError } from '@lsm/base';
import { DictionaryDecompressor } from '@lsm/zstd-dictionary';
import { ENCRYPTION_HEADER_SIZE, FileKind, type EncryptionOptions, KeyRing, BlockType, FileCipher } from '@lsm/encryption';
import { CompressionId, decompressBlock } from './compression.js';

/** One record, as verify()/records() report it. */
export interface BlobRecord {
  offset: number;
  size: number;
  key: Uint8Array;
  value: Uint8Array;
}

/** What BlobFileReader.verify() found. */
export interface BlobVerifyResult {
  /** Damage found, each with the file offset of the structure (problems are not thrown). */
  problems: Array<{ offset: number; code: string; message: string }>;
  /** Records walked (checked or found damaged). */
  records: number;
  /** Bytes read. */
  bytes: number;
}

/** Options of BlobFileReader.open. */
export interface BlobReaderOptions {
  /**
   * Keys of an encrypted blob file. Required for one (else LSM_INVALID_ARGUMENT "is
   * encrypted"); given for an unencrypted file it is LSM_INVALID_ARGUMENT "is not
   * encrypted" too, as for tables. A key that does not match is LSM_CORRUPTION
   * "encryption key does not match", reported at open.
   */
  encryption?: KeyRing | EncryptionOptions;
}

/** An open blob file. */
export class BlobFileReader {
  private closed = false;

  private constructor(
    private readonly file: FsFile,
    readonly path: string,
    readonly fileId: number,
    readonly fileSize: number,
    readonly footer: BlobFooter,
    /** Offset of the first value record. */
    readonly recordsStart: number,
    private readonly cipher: FileCipher | undefined,
    private readonly dict: DictionaryDecompressor | undefined,
  ) {}

  /**
   * Opens blob file `fileId` at `path`, checking header, key and footer and loading the
   * dictionary. CorruptionError for damage or a wrong key, NotSupportedError for a newer
   * version or flag, InvalidArgumentError when `options.encryption` does not match the
   * file's encryption, IoError when the Fs fails.
   */
  static open(fs: Fs, path: string, fileId: number, options: BlobReaderOptions = {}): BlobFileReader {
    const keys = options.encryption === undefined ? undefined : KeyRing.from(options.encryption, 'option encryption');
    let file: FsFile;
    try {
      file = fs.open(path, { read: true });
    } catch (err) {
      throw toIoError(err, `opening blob file ${path}`);
    }
    try {
      const size = ioCall(() => file.size(), `reading the size of ${path}`);
      if (size < BLOB_HEADER_SIZE + BLOB_FOOTER_SIZE) throw new CorruptionError(path, 0, `file is ${size} bytes, too short to be a blob file`);
      const headerBytes = readAt(file, path, 0, BLOB_HEADER_SIZE);
      const { fileId: id, flags } = decodeBlobHeader(headerBytes, path);
      if (id !== fileId) throw new CorruptionError(path, 12, `blob file records id ${id}, expected ${fileId}`);
      let cipher: FileCipher | undefined;
      if (flags & BlobFlags.Encrypted) {
        if (keys === undefined) throw new InvalidArgumentError(`${path} is encrypted: open it with its encryption key (option encryption)`);
        if (size < blobPrefixSize(flags) + BLOB_FOOTER_SIZE) throw new CorruptionError(path, 0, `file is ${size} bytes, too short to be an encrypted blob file`);
        const eh = readAt(file, path, BLOB_HEADER_SIZE, ENCRYPTION_HEADER_SIZE);
        cipher = FileCipher.fromHeader(keys, eh, path, BLOB_HEADER_SIZE, FileKind.Blob, fileId, headerBytes);
      } else if (keys !== undefined) {
        throw new InvalidArgumentError(`${path} is not encrypted, but an encryption key was given`);
      }
      const footerAt = size - BLOB_FOOTER_SIZE;
      const footer = decodeBlobFooter(readAt(file, path, footerAt, BLOB_FOOTER_SIZE), path, footerAt, size, flags);
      const recordsStart = footerAt - footer.recordBytes;
      const dict = flags & BlobFlags.Dictionary ? loadDictionary(file, path, fileId, blobPrefixSize(flags), recordsStart, cipher) : undefined;
      return new BlobFileReader(file, path, fileId, size, footer, recordsStart, cipher, dict);
    } catch (err) {
      try {
        file.close();
      } catch {
        // the open error is the one to report
      }
      throw err;
    }
  }

  /** Whether the file is encrypted. */
  get encrypted(): boolean {
    return this.cipher !== undefined;
  }

  /** The file's dictionary (its zstd id and size), or undefined when it has none. */
  get dictionary(): { id: number; byteLength: number } | undefined {
    return this.dict === undefined ? undefined : { id: this.dict.id, byteLength: this.dict.byteLength };
  }

  /** End of the record region. */
  private get dataEnd(): number {
    return this.recordsStart + this.footer.recordBytes;
  }

  /**
   * The value `p` points at. With `key`, the record must belong to that key. Throws
   * CorruptionError (naming this file and the offset) for any mismatch or damage.
   */
  read(p: BlobPointer, key?: Uint8Array): Uint8Array {
    if (this.closed) throw closedError(`blob file ${this.path}`);
    if (p.fileId !== this.fileId) throw new CorruptionError(this.path, p.offset, `pointer names blob file ${p.fileId}, not ${this.fileId}`);
    if (p.offset < this.recordsStart || p.size < BLOB_MIN_RECORD_SIZE || p.offset + p.size > this.dataEnd) {
      throw new CorruptionError(this.path, p.offset, `pointer (offset ${p.offset}, size ${p.size}) is outside the record region [${this.recordsStart}, ${this.dataEnd})`);
    }
    const raw = readAt(this.file, this.path, p.offset, p.size);
    return this.decodeRecord(raw, p.offset, key).value;
  }

  /** Parses, checks, decrypts and decompresses one record whose bytes are exactly `raw`. */
  private decodeRecord(raw: Uint8Array, offset: number, key: Uint8Array | undefined): { key: Uint8Array; value: Uint8Array } {
    const path = this.path;
    const r = decodeBlobRecord(raw, path, this.fileId, offset, this.cipher, BlockType.BlobRecord);
    if (key !== undefined && !sameBytes(r.key, key)) throw new CorruptionError(path, offset, 'blob record belongs to another key (wrong pointer)');
    const c = r.compression;
    if (c !== CompressionId.None && c !== CompressionId.Zstd && c !== CompressionId.ZstdDict) {
      throw new CorruptionError(path, offset, `blob record has unknown compression id ${c}`);
    }
    if (c === CompressionId.ZstdDict && this.dict === undefined) {
      throw new CorruptionError(path, offset, 'blob record is compressed with a dictionary, but the blob file has none');
    }
    const value = decompressBlock(c, r.stored, path, offset, this.dict);
    // A plain stored value is a view of the read buffer (or of the decrypted bytes): copied
    // so callers own what they get.
    return { key: r.key, value: value === r.stored ? r.stored.slice() : value };
  }

  /**
   * Every record in file order, each checked (and the whole-file XXH64, counts and sizes
   * against the footer before the first is returned). For tools and tests.
   */
  records(): BlobRecord[] {
    if (this.closed) throw closedError(`blob file ${this.path}`);
    const all = readAt(this.file, this.path, 0, this.dataEnd);
    if (xxh64(all) !== this.footer.checksum) throw new CorruptionError(this.path, 0, 'blob file checksum (XXH64) mismatch');
    const out: BlobRecord[] = [];
    let p = this.recordsStart;
    while (p < this.dataEnd) {
      const size = blobRecordSizeAt(all, p, this.dataEnd, this.cipher !== undefined);
      if (size < 0) throw new CorruptionError(this.path, p, 'blob record runs past the record region');
      const r = this.decodeRecord(all.subarray(p, p + size), p, undefined);
      out.push({ offset: p, size, key: r.key.slice(), value: r.value });
      p += size;
    }
    if (out.length !== this.footer.recordCount) {
      throw new CorruptionError(this.path, this.fileSize - BLOB_FOOTER_SIZE, `footer counts ${this.footer.recordCount} records, the file holds ${out.length}`);
    }
    return out;
  }

  /**
   * Checks the whole file without holding it in memory: the XXH64 of every byte before
   * the footer (read in 1 MiB chunks), then every record in turn (checksum, framing,
   * authentication, decompression) and the footer's record count. Damage is reported,
   * not thrown; a record whose length fields are unusable ends the walk (records carry
   * no marker to resynchronise on). `onRecord` is told about every intact record.
   */
  verify(onRecord?: (offset: number, size: number) => void): BlobVerifyResult {
    if (this.closed) throw closedError(`blob file ${this.path}`);
    const problems: BlobVerifyResult['problems'] = [];
    const report = (err: unknown, offset: number): void => {
      if (!isLsmError(err, 'LSM_CORRUPTION') && !isLsmError(err, 'LSM_NOT_SUPPORTED')) throw err;
      problems.push({ offset: err instanceof CorruptionError ? err.offset : offset, code: err.code, message: err.message });
    };
    const end = this.dataEnd;
    const hasher = new FileHasher();
    const chunk = new Uint8Array(Math.min(1 << 20, Math.max(1, end)));
    for (let pos = 0; pos < end; pos += chunk.length) {
      const view = chunk.subarray(0, Math.min(chunk.length, end - pos));
      readInto(this.file, this.path, view, pos);
      hasher.update(view);
    }
    const want = this.footer.checksum.toString(16).padStart(16, '0');
    const got = hasher.digestHex();
    if (got !== want) problems.push({ offset: 0, code: 'LSM_CORRUPTION', message: `corruption in ${this.path} at offset 0: blob file checksum (XXH64) mismatch: stored ${want}, computed ${got}` });
    let records = 0;
    const encrypted = this.cipher !== undefined;
    const head = new Uint8Array(24);
    for (let p = this.recordsStart; p < end; ) {
      const h = head.subarray(0, Math.min(head.length, end - p));
      readInto(this.file, this.path, h, p);
      const size = recordSizeFromHead(h, encrypted);
      if (size < 0 || p + size > end) {
        problems.push({ offset: p, code: 'LSM_CORRUPTION', message: `corruption in ${this.path} at offset ${p}: blob record lengths are unusable; the ${end - p} bytes of records from here are unchecked` });
        records++;
        break;
      }
      records++;
      try {
        this.decodeRecord(readAt(this.file, this.path, p, size), p, undefined);
        onRecord?.(p, size);
      } catch (err) {
        report(err, p);
      }
      p += size;
    }
    if (problems.length === 0 && records !== this.footer.recordCount) {
      const at = this.fileSize - BLOB_FOOTER_SIZE;
      problems.push({ offset: at, code: 'LSM_CORRUPTION', message: `corruption in ${this.path} at offset ${at}: footer counts ${this.footer.recordCount} records, the file holds ${records}` });
    }
    return { problems, records, bytes: this.fileSize };
  }

  /** Closes the file. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.file.close();
    } catch {
      // read-only handle: nothing to lose
    }
  }
}

/**
 * Reads, checks (and decrypts) the dictionary record filling [at, end) and prepares it
 * for zstd. Damage, a record that is not a dictionary record, or bytes zstd refuses are
 * CorruptionError naming the file and `at`.
 */
function loadDictionary(file: FsFile, path: string, fileId: number, at: number, end: number, cipher: FileCipher | undefined): DictionaryDecompressor {
  const raw = readAt(file, path, at, end - at);
  if (blobRecordSizeAt(raw, 0, raw.length, cipher !== undefined) !== raw.length) {
    throw new CorruptionError(path, at, 'blob file dictionary record does not fill the space before the records');
  }
  const r = decodeBlobRecord(raw, path, fileId, at, cipher, BlockType.ZstdDictionary);
  if (r.key.length !== 0) throw new CorruptionError(path, at, 'blob file dictionary record has a key');
  if (r.compression !== CompressionId.None && r.compression !== CompressionId.Zstd) {
    throw new CorruptionError(path, at, `blob file dictionary record has compression id ${r.compression} (only 0 or 1 allowed)`);
  }
  const dict = decompressBlock(r.compression, r.stored, path, at);
  if (dict.length === 0) throw new CorruptionError(path, at, 'blob file dictionary is empty');
  return new DictionaryDecompressor(dict, path, at);
}

function ioCall<T>(fn: () => T, what: string): T {
  try {
    return fn();
  } catch (err) {
    throw toIoError(err, what);
  }
}

function readAt(file: FsFile, path: string, position: number, length: number): Uint8Array {
  const buf = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const n = ioCall(() => file.read(buf.subarray(done), position + done), `reading ${path}`);
    if (n === 0) throw new CorruptionError(path, position, `blob file ends before ${length} bytes at offset ${position}`);
    done += n;
  }
  return buf;
}

function readInto(file: FsFile, path: string, buf: Uint8Array, position: number): void {
  let done = 0;
  while (done < buf.length) {
    const n = ioCall(() => file.read(buf.subarray(done), position + done), `reading ${path}`);
    if (n === 0) throw new CorruptionError(path, position, `blob file ends before ${buf.length} bytes at offset ${position}`);
    done += n;
  }
}

/** A record's size from its first bytes (blobRecordSizeAt without the bound), -1 when they do not parse. */
function recordSizeFromHead(h: Uint8Array, encrypted: boolean): number {
  if (h.length < 3) return -1;
  if (encrypted) {
    const s = getVarint64(h, 2, h.length);
    return s < 0 ? -1 : cursor.pos + s + 4;
  }
  const k = getVarint32(h, 2, h.length);
  const v = k < 0 ? -1 : getVarint64(h, cursor.pos, h.length);
  return v < 0 ? -1 : cursor.pos + k + v + 4;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
