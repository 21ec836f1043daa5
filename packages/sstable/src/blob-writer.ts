// BlobFileWriter: appends separated values to a new blob file (K/V separation). Each
// add() returns the pointer to store in the table (as a ValueType.Indirection entry).
// Records are buffered and written in large chunks; finish() writes the footer (record
// count, record bytes, XXH64 of everything before it), fsyncs and closes. The file is
// usable only after finish(): the engine refers to it in a manifest edit only then (after
// a directory fsync). abandon() closes and removes a partial file. Layout: FORMAT.md.

import { type Fs, type FsFile, writeAll } from '@lsm/fs';
import { blobRecordSeed, BLOB_HEADER_SIZE, encodeBlobFooter, encodeBlobHeader } from './blob-format.js';
import type { BlobPointer } from './blob-pointer.js';
import { FileHasher, xxh32 } from './checksum.js';
import { ByteSink, putU32 } from './coding.js';
import { BlockCompressor, type CompressionType } from './compression.js';
import { InvalidArgumentError, closedError, toIoError } from './errors.js';
import { checkUserKey, MAX_VALUE_LENGTH } from './internal-key.js';

/** Options of a blob file writer. */
export interface BlobWriterOptions {
  /** Compression of each value: 'none' (default) or 'zstd' (kept only when it saves 1/8). */
  compression?: CompressionType;
  compressionLevel?: number;
  /** fsync in finish(). Default true. */
  sync?: boolean;
}

/** What a finished blob file holds. */
export interface FinishedBlobFile {
  fileId: number;
  fileSize: number;
  recordCount: number;
  /** Bytes of all records (the sum of their pointers' sizes). */
  recordBytes: number;
}

const WRITE_BUFFER = 1 << 20;

/** Writes one blob file. */
export class BlobFileWriter {
  private readonly file: FsFile;
  private readonly out = new ByteSink(64 * 1024);
  private readonly hasher = new FileHasher();
  private readonly compressor: BlockCompressor;
  private readonly sync: boolean;
  private offset = 0;
  private count = 0;
  private state: 'open' | 'finished' | 'failed' = 'open';

  constructor(
    private readonly fs: Fs,
    readonly path: string,
    readonly fileId: number,
    options: BlobWriterOptions = {},
  ) {
    if (!Number.isSafeInteger(fileId) || fileId < 0) throw new InvalidArgumentError(`blob file id must be a safe integer >= 0, got ${String(fileId)}`);
    this.compressor = new BlockCompressor(options.compression ?? 'none', options.compressionLevel);
    this.sync = options.sync ?? true;
    try {
      this.file = fs.open(path, { write: true, createNew: true });
    } catch (err) {
      throw toIoError(err, `creating blob file ${path}`);
    }
    this.out.putBytes(encodeBlobHeader(fileId));
    this.offset = BLOB_HEADER_SIZE;
  }

  /** Bytes the file will have with what was added so far (without the footer). */
  get size(): number {
    return this.offset;
  }

  /** Records added. */
  get recordCount(): number {
    return this.count;
  }

  /** Appends the value of `key` and returns where it lives. */
  add(key: Uint8Array, value: Uint8Array): BlobPointer {
    if (this.state !== 'open') throw closedError(`blob writer for ${this.path}`);
    checkUserKey(key);
    if (!(value instanceof Uint8Array)) throw new InvalidArgumentError('blob value must be a Uint8Array');
    if (value.length > MAX_VALUE_LENGTH) throw new InvalidArgumentError(`blob value is ${value.length} bytes; the limit is ${MAX_VALUE_LENGTH}`);
    const { id, payload } = this.compressor.compress(value);
    const s = this.out;
    const start = s.len;
    const offset = this.offset;
    s.putByte(id);
    s.putByte(0); // flags
    s.putVarint(key.length);
    s.putVarint(payload.length);
    s.putBytes(key);
    s.putBytes(payload);
    const sum = xxh32(s.buf.subarray(start, s.len), blobRecordSeed(this.fileId, offset));
    s.ensure(4);
    putU32(s.buf, s.len, sum);
    s.len += 4;
    const size = s.len - start;
    this.offset += size;
    this.count++;
    if (s.len >= WRITE_BUFFER) this.flushOut();
    return { fileId: this.fileId, offset, size };
  }

  /** Writes the footer, fsyncs (unless sync: false) and closes. */
  finish(): FinishedBlobFile {
    if (this.state !== 'open') throw closedError(`blob writer for ${this.path}`);
    try {
      this.flushOut();
      const recordBytes = this.offset - BLOB_HEADER_SIZE;
      const footer = encodeBlobFooter({ recordCount: this.count, recordBytes, checksum: BigInt(`0x${this.hasher.digestHex()}`) });
      writeAll(this.file, footer);
      if (this.sync) this.file.syncData();
      this.file.close();
      this.state = 'finished';
      return { fileId: this.fileId, fileSize: this.offset + footer.length, recordCount: this.count, recordBytes };
    } catch (err) {
      this.abandon();
      throw toIoError(err, `writing blob file ${this.path}`);
    }
  }

  /** Gives up: closes and removes the partial file. Safe in any state but finished. */
  abandon(): void {
    if (this.state !== 'open') return;
    this.state = 'failed';
    try {
      this.file.close();
    } catch {
      // already failing
    }
    try {
      this.fs.removeFile(this.path);
    } catch {
      // a leftover unfinished file is an orphan no manifest names
    }
  }

  private flushOut(): void {
    const bytes = this.out.bytes();
    if (bytes.length === 0) return;
    try {
      this.hasher.update(bytes);
      writeAll(this.file, bytes);
    } catch (err) {
      this.abandon();
      throw toIoError(err, `writing blob file ${this.path}`);
    }
    this.out.reset();
  }
}
