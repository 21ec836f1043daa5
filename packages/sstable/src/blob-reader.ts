// BlobFileReader: reads separated values back through their pointers. open() checks the
// header (magic, version, flags, file id) and the footer (magic, checksum, sizes); read()
// checks that the pointer lies inside the record region, then the record's checksum
// (seeded with file id and offset, so a pointer to the wrong place fails), then that the
// record holds the expected key, then decompresses. Every failure is a CorruptionError
// naming the file and the record's offset; it never returns a wrong value. verify()
// checks the whole file (XXH64, every record, the footer's counts).

import { type Fs, type FsFile } from '@lsm/fs';
import {
  BLOB_FOOTER_SIZE,
  BLOB_HEADER_SIZE,
  BLOB_MIN_RECORD_SIZE,
  blobRecordSeed,
  type BlobFooter,
  decodeBlobFooter,
  decodeBlobHeader,
} from './blob-format.js';
import type { BlobPointer } from './blob-pointer.js';
import { xxh64, xxh32 } from './checksum.js';
import { cursor, getU32, getVarint32, getVarint64 } from './coding.js';
import { CompressionId, decompressBlock } from './compression.js';
import { CorruptionError, NotSupportedError, closedError, toIoError } from './errors.js';

/** One record, as verify()/records() report it. */
export interface BlobRecord {
  offset: number;
  size: number;
  key: Uint8Array;
  value: Uint8Array;
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
  ) {}

  /**
   * Opens blob file `fileId` at `path`, checking header and footer. CorruptionError for
   * damage, NotSupportedError for a newer version or flag, IoError when the Fs fails.
   */
  static open(fs: Fs, path: string, fileId: number): BlobFileReader {
    let file: FsFile;
    try {
      file = fs.open(path, { read: true });
    } catch (err) {
      throw toIoError(err, `opening blob file ${path}`);
    }
    try {
      const size = ioCall(() => file.size(), `reading the size of ${path}`);
      if (size < BLOB_HEADER_SIZE + BLOB_FOOTER_SIZE) throw new CorruptionError(path, 0, `file is ${size} bytes, too short to be a blob file`);
      const id = decodeBlobHeader(readAt(file, path, 0, BLOB_HEADER_SIZE), path);
      if (id !== fileId) throw new CorruptionError(path, 12, `blob file records id ${id}, expected ${fileId}`);
      const footerAt = size - BLOB_FOOTER_SIZE;
      const footer = decodeBlobFooter(readAt(file, path, footerAt, BLOB_FOOTER_SIZE), path, footerAt, size);
      return new BlobFileReader(file, path, fileId, size, footer);
    } catch (err) {
      try {
        file.close();
      } catch {
        // the open error is the one to report
      }
      throw err;
    }
  }

  /** End of the record region. */
  private get dataEnd(): number {
    return BLOB_HEADER_SIZE + this.footer.recordBytes;
  }

  /**
   * The value `p` points at. With `key`, the record must belong to that key. Throws
   * CorruptionError (naming this file and the offset) for any mismatch or damage.
   */
  read(p: BlobPointer, key?: Uint8Array): Uint8Array {
    if (this.closed) throw closedError(`blob file ${this.path}`);
    if (p.fileId !== this.fileId) throw new CorruptionError(this.path, p.offset, `pointer names blob file ${p.fileId}, not ${this.fileId}`);
    if (p.offset < BLOB_HEADER_SIZE || p.size < BLOB_MIN_RECORD_SIZE || p.offset + p.size > this.dataEnd) {
      throw new CorruptionError(this.path, p.offset, `pointer (offset ${p.offset}, size ${p.size}) is outside the record region [${BLOB_HEADER_SIZE}, ${this.dataEnd})`);
    }
    const raw = readAt(this.file, this.path, p.offset, p.size);
    return this.decodeRecord(raw, p.offset, key).value;
  }

  /** Parses and checks one record whose bytes are exactly `raw`. */
  private decodeRecord(raw: Uint8Array, offset: number, key: Uint8Array | undefined): { key: Uint8Array; value: Uint8Array } {
    const path = this.path;
    const body = raw.length - 4;
    if (body < 4) throw new CorruptionError(path, offset, 'blob record too short');
    if (getU32(raw, body) !== xxh32(raw.subarray(0, body), blobRecordSeed(this.fileId, offset))) {
      throw new CorruptionError(path, offset, 'blob record checksum mismatch (damaged, or the pointer is wrong)');
    }
    const compression = raw[0]!;
    const flags = raw[1]!;
    if (flags !== 0) throw new NotSupportedError(`${path} at offset ${offset}: blob record flags 0x${flags.toString(16)} need a newer reader`);
    const keyLen = getVarint32(raw, 2, body);
    const valueLen = keyLen < 0 ? -1 : getVarint64(raw, cursor.pos, body);
    const keyAt = cursor.pos;
    if (valueLen < 0 || keyAt + keyLen + valueLen !== body) throw new CorruptionError(path, offset, 'blob record lengths do not match its size');
    const k = raw.subarray(keyAt, keyAt + keyLen);
    if (key !== undefined && !sameBytes(k, key)) throw new CorruptionError(path, offset, 'blob record belongs to another key (wrong pointer)');
    if (compression !== CompressionId.None && compression !== CompressionId.Zstd) {
      throw new CorruptionError(path, offset, `blob record has unknown compression id ${compression}`);
    }
    const stored = raw.subarray(keyAt + keyLen, body);
    const value = decompressBlock(compression, stored, path, offset);
    return { key: k, value: value === stored ? stored.slice() : value };
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
    let p = BLOB_HEADER_SIZE;
    while (p < this.dataEnd) {
      const keyLen = getVarint32(all, p + 2, this.dataEnd);
      const valueLen = keyLen < 0 ? -1 : getVarint64(all, cursor.pos, this.dataEnd);
      const size = valueLen < 0 ? -1 : cursor.pos - p + keyLen + valueLen + 4;
      if (size < 0 || p + size > this.dataEnd) throw new CorruptionError(this.path, p, 'blob record runs past the record region');
      const r = this.decodeRecord(all.subarray(p, p + size), p, undefined);
      out.push({ offset: p, size, key: r.key.slice(), value: r.value });
      p += size;
    }
    if (out.length !== this.footer.recordCount) {
      throw new CorruptionError(this.path, this.fileSize - BLOB_FOOTER_SIZE, `footer counts ${this.footer.recordCount} records, the file holds ${out.length}`);
    }
    return out;
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

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
