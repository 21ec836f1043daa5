// BlobFileWriter: appends separated values to a new blob file (K/V separation). Each
// add() returns the pointer to store in the table (as a ValueType.Indirection entry).
// Records are buffered and written in large chunks; finish() writes the footer (record
// count, record bytes, XXH64 of everything before it), fsyncs and closes. The file is
// usable only after finish(): the engine refers to it in a manifest edit only then (after
// a directory fsync). abandon() closes and removes a partial file. Layout: FORMAT.md.
// With `encryption` the encryption header follows the blob header and every record is
// sealed (AES-256-GCM, nonce = its offset); with a `dictionary` the dictionary is stored
// as the first record (sealed too when encrypting) and every value is compressed with it.
// Without either, the file is byte-for-byte the original format (a test pins digests).

import { type Fs, type FsFile, writeAll } from '@lsm/fs';
import { BlobFlags, blobPrefixSize, encodeBlobFooter, encodeBlobHeader } from './blob-format.js';
import type { BlobPointer } from './blob-pointer.js';
import { appendBlobRecord } from './blob-record.js';
import { FileHasher, ByteSink, InvalidArgumentError, closedError, toIoError, checkUserKey, MAX_VALUE_LENGTH, shownValue } from '@lsm/base';
import { FileKind, type EncryptionOptions, KeyRing, BlockType, FileCipher } from '@lsm/encryption';
import { BlockCompressor, type CompressionType } from './compression.js';

/** Options of a blob file writer. */
export interface BlobWriterOptions {
  /** Compression of each value: 'none' (default) or 'zstd' (kept only when it saves 1/8). */
  compression?: CompressionType;
  compressionLevel?: number;
  /** fsync in finish(). Default true. */
  sync?: boolean;
  /**
   * Encrypt the file (AES-256-GCM under the ring's current key; FORMAT.md "Encrypted blob
   * files"). Readers then need a ring holding that key.
   */
  encryption?: KeyRing | EncryptionOptions;
  /**
   * A zstd dictionary (e.g. from chooseBlobDictionary over the file's first values) to
   * store in the file and compress every value with (compression id 2). Needs
   * compression 'zstd'; a dictionary zstd refuses is LSM_INVALID_ARGUMENT.
   */
  dictionary?: Uint8Array;
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
const PROBE = new Uint8Array(64);

/** Writes one blob file. */
export class BlobFileWriter {
  private readonly file: FsFile;
  private readonly out = new ByteSink(64 * 1024);
  private readonly hasher = new FileHasher();
  private readonly compressor: BlockCompressor;
  private readonly sync: boolean;
  private readonly cipher: FileCipher | undefined;
  private readonly useDict: boolean;
  /** Offset of the first value record (after the headers and the dictionary record). */
  private readonly recordsStart: number;
  private offset = 0;
  private count = 0;
  private state: 'open' | 'finished' | 'failed' = 'open';

  constructor(
    private readonly fs: Fs,
    readonly path: string,
    readonly fileId: number,
    options: BlobWriterOptions = {},
  ) {
    if (!Number.isSafeInteger(fileId) || fileId < 0) throw new InvalidArgumentError(`blob file id must be a safe integer >= 0, got ${shownValue(fileId)}`);
    this.compressor = new BlockCompressor(options.compression ?? 'none', options.compressionLevel);
    this.sync = options.sync ?? true;
    const keys = options.encryption === undefined ? undefined : KeyRing.from(options.encryption, 'option encryption');
    const dict = options.dictionary;
    if (dict !== undefined) {
      if (!(dict instanceof Uint8Array) || dict.length === 0) throw new InvalidArgumentError('option dictionary must be a non-empty Uint8Array');
      if (this.compressor.type !== 'zstd') throw new InvalidArgumentError("option dictionary needs compression: 'zstd'");
      try {
        this.compressor.useDictionary(dict);
        // zstd loads a dictionary lazily: compress once now, so a bad one fails here and not in add().
        this.compressor.compress(PROBE, true);
      } catch (err) {
        throw new InvalidArgumentError(`option dictionary is not a dictionary zstd accepts (${err instanceof Error ? err.message : String(err)})`, { cause: err });
      }
    }
    this.useDict = dict !== undefined;
    const flags = (keys !== undefined ? BlobFlags.Encrypted : 0) | (dict !== undefined ? BlobFlags.Dictionary : 0);
    const header = encodeBlobHeader(fileId, flags);
    this.cipher = keys === undefined ? undefined : FileCipher.forNewFile(keys, FileKind.Blob, fileId);
    try {
      this.file = fs.open(path, { write: true, createNew: true });
    } catch (err) {
      throw toIoError(err, `creating blob file ${path}`);
    }
    this.out.putBytes(header);
    // The key check covers the blob header too, so its flags and file id are authenticated.
    if (this.cipher !== undefined) this.out.putBytes(this.cipher.header(header));
    this.offset = blobPrefixSize(flags);
    if (dict !== undefined) {
      // The dictionary itself: plain zstd when that pays (never with itself), key empty.
      const { id, payload } = this.compressor.compress(dict, false);
      appendBlobRecord(this.out, fileId, this.offset, id, new Uint8Array(0), payload, this.cipher, BlockType.ZstdDictionary);
      this.offset = this.out.len;
    }
    this.recordsStart = this.offset;
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
    const { id, payload } = this.compressor.compress(value, this.useDict);
    const s = this.out;
    const start = s.len;
    const offset = this.offset;
    appendBlobRecord(s, this.fileId, offset, id, key, payload, this.cipher, BlockType.BlobRecord);
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
      const recordBytes = this.offset - this.recordsStart;
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
