// TableWriter: streams entries, in internal-key order, into a new table file.
//   data blocks -> [filter] -> [prefix filter] -> [range tombstones] -> index -> metaindex
//   -> properties -> footer
// finish() writes everything after the data, fsyncs, closes, and returns the table's
// properties. With a dictionary option, the first data blocks (up to sampleBytes) are held
// in memory as training samples; once trained, they and every later data block are
// compressed with the dictionary, which is stored in the meta block "lsm.zstd_dictionary". Input errors (bad key, out-of-order entry) throw InvalidArgumentError and
// leave the writer usable; an Fs failure throws IoError, closes the writer and removes
// the partial file, so no table claims success unless finish() returned.

import { writeAll, type Fs, type FsFile } from '@lsm/fs';
import { BlockBuilder } from './block-builder.js';
import type { BlockHandle } from './block-handle.js';
import { appendBlock, BLOCK_TRAILER_SIZE, BlockFlags } from './block-io.js';
import {
  copyOf,
  FileHasher,
  ByteSink,
  bytewiseComparator,
  compareBytesAt,
  isBytewise,
  type Comparator,
  closedError,
  InvalidArgumentError,
  toIoError,
  checkSeqno,
  checkUserKey,
  checkValue,
  checkValueType,
  MAX_SEQNO,
  putTrailer,
  TRAILER_SIZE,
  ValueType,
  type RangeTombstone,
  shownValue,
} from '@lsm/base';
import { DEFAULT_ZSTD_LEVEL, dictionaryIdOf } from '@lsm/zstd-dictionary';
import { FileKind, KeyRing, type EncryptionOptions, BlockType, FileCipher } from '@lsm/encryption';
import { BlockCompressor, CompressionId, type CompressionType } from './compression.js';
import { checkDictionaryOptions, chooseTableDictionary, type TableDictionaryOptions } from './dictionary/table-dictionary.js';
import { FilterCollector, type FilterOptions } from './filter-block.js';
import { ENCRYPTED_FORMAT_VERSION, encodeFooter, FORMAT_VERSION } from './footer.js';
import { INDEX_TYPE_BINARY_SEARCH, IndexBuilder } from './index-block.js';
import { buildMetaindexBlock, MetaBlockName } from './metaindex-block.js';
import type { PrefixExtractor } from './prefix-extractor.js';
import { buildPropertiesBlock, type TableProperties } from './properties.js';
import { buildRangeTombstoneBlock, sortRangeTombstones } from './range-tombstone-block.js';

/** How to build a table. Everything is optional. */
export interface TableWriterOptions {
  /** User-key order. Default: bytewise. */
  comparator?: Comparator;
  /** Target uncompressed data block size in bytes. Default 4096. */
  blockSize?: number;
  /** Entries between restart points in data blocks. Default 16. */
  restartInterval?: number;
  /** Block compression. Default 'none' (the engine picks per level). */
  compression?: CompressionType;
  /** zstd level. Default 3. */
  compressionLevel?: number;
  /**
   * Train a zstd dictionary on this table's data blocks and compress every data block with
   * it (needs compression 'zstd'). Kept only when it pays for itself on the samples.
   */
  dictionary?: TableDictionaryOptions;
  /** Whole-key BuRR filter: options, or false for none. Default: filter-burr's defaults. */
  filter?: FilterOptions | false;
  /** Also build a filter over key prefixes with this extractor. */
  prefixExtractor?: PrefixExtractor;
  /** Creation time recorded in the properties (ms since epoch). Default: Date.now() at finish. */
  creationTime?: number;
  /** fsync the file in finish(). Default true. */
  sync?: boolean;
  /**
   * Encrypt every block with AES-256-GCM under this key (the ring's current key), making
   * a format-version-2 table. Default: none (a version-1 table, byte-identical to one
   * written without this option).
   */
  encryption?: EncryptionOptions | KeyRing;
  /**
   * The table's file number, bound into an encrypted table (its subkey and header), so a
   * reader expecting another number refuses the file. Default 0. Ignored without encryption.
   */
  fileNumber?: number;
}

/** What finish() returns. */
export interface FinishedTable {
  readonly path: string;
  readonly fileSize: number;
  readonly properties: TableProperties;
}

/** Bytes gathered before one write to the file. */
const WRITE_BUFFER = 256 * 1024;

const State = { Open: 0, Finished: 1, Failed: 2 } as const;

/** A handle filled in once its block is written (data blocks held back for training). */
interface MutableHandle {
  offset: number;
  size: number;
}

/** An index entry waiting for its block's handle. */
interface DeferredIndexEntry {
  readonly lastKey: Uint8Array;
  readonly lastSeqno: number;
  readonly lastType: number;
  readonly nextKey: Uint8Array | undefined;
  readonly handle: MutableHandle;
}

export class TableWriter {
  private readonly file: FsFile;
  private readonly cmp: Comparator;
  private readonly bytewise: boolean;
  private readonly blockSize: number;
  private readonly restartInterval: number;
  private readonly compressor: BlockCompressor;
  private readonly filterOptions: FilterOptions | false;
  private readonly prefixExtractor: PrefixExtractor | undefined;
  private readonly syncOnFinish: boolean;
  private readonly creationTime: number | undefined;
  /** Set when the table is encrypted. */
  private readonly cipher: FileCipher | undefined;
  private readonly dictOptions: Required<TableDictionaryOptions> | undefined;
  /** Data blocks held back as training samples (undefined once training is done or off). */
  private samples: Array<{ contents: Uint8Array; handle: MutableHandle }> | undefined;
  private sampledBytes = 0;
  private deferredIndex: DeferredIndexEntry[] = [];
  private dictHandle: BlockHandle | undefined;

  private readonly data: BlockBuilder;
  private readonly index: IndexBuilder;
  private readonly out = new ByteSink(WRITE_BUFFER + 64 * 1024);
  private readonly hasher = new FileHasher();
  private readonly filter: FilterCollector | undefined;
  private readonly prefixFilter: FilterCollector | undefined;
  private readonly rangeTombstones: RangeTombstone[] = [];

  private state: number = State.Open;
  /** File offset of the next byte appended to `out`. */
  private offset = 0;
  /** Offset of out[0] in the file (bytes before it are written). */
  private flushedTo = 0;

  private keyScratch = new Uint8Array(256);
  private lastKey = new Uint8Array(256);
  private lastKeyLen = 0;
  private lastSeqno = 0;
  private lastType = 0;
  private lastPrefix: Uint8Array | undefined;
  private pendingHandle: MutableHandle | undefined;
  private firstKey: Uint8Array | undefined;

  private counts = [0, 0, 0, 0, 0];
  private entryCount = 0;
  private rawKeyBytes = 0;
  private rawValueBytes = 0;
  private minSeqno = MAX_SEQNO;
  private maxSeqno = 0;
  private uncompressedDataSize = 0;
  private dataBlockCount = 0;
  private compressedDataBlockCount = 0;

  /**
   * Creates (or truncates) `path` on `fs` and returns a writer for it. Options are
   * validated first (InvalidArgumentError); a failing open is an IoError.
   */
  constructor(
    private readonly fs: Fs,
    readonly path: string,
    options: TableWriterOptions = {},
  ) {
    this.cmp = options.comparator ?? bytewiseComparator;
    if (typeof this.cmp?.compare !== 'function' || typeof this.cmp.name !== 'string' || this.cmp.name.length === 0) {
      throw new InvalidArgumentError('comparator must have a non-empty name and a compare function');
    }
    this.bytewise = isBytewise(this.cmp);
    this.blockSize = options.blockSize ?? 4096;
    if (!Number.isInteger(this.blockSize) || this.blockSize < 64 || this.blockSize > 64 * 1024 * 1024) {
      throw new InvalidArgumentError(`blockSize must be an integer in [64, 64 MiB], got ${shownValue(options.blockSize)}`);
    }
    this.restartInterval = options.restartInterval ?? 16;
    if (!Number.isInteger(this.restartInterval) || this.restartInterval < 1 || this.restartInterval > 65536) {
      throw new InvalidArgumentError(`restartInterval must be an integer in [1, 65536], got ${shownValue(options.restartInterval)}`);
    }
    this.compressor = new BlockCompressor(options.compression ?? 'none', options.compressionLevel ?? DEFAULT_ZSTD_LEVEL);
    if (options.dictionary !== undefined) {
      if (this.compressor.type !== 'zstd') throw new InvalidArgumentError("dictionary needs compression: 'zstd'");
      this.dictOptions = checkDictionaryOptions(options.dictionary);
      this.samples = [];
    }
    this.filterOptions = options.filter ?? {};
    this.prefixExtractor = options.prefixExtractor;
    if (this.prefixExtractor !== undefined && (typeof this.prefixExtractor.prefix !== 'function' || !this.prefixExtractor.name)) {
      throw new InvalidArgumentError('prefixExtractor must have a name and a prefix function');
    }
    if (options.creationTime !== undefined && (!Number.isSafeInteger(options.creationTime) || options.creationTime < 0)) {
      throw new InvalidArgumentError('creationTime must be a safe integer >= 0');
    }
    this.creationTime = options.creationTime;
    this.syncOnFinish = options.sync ?? true;
    this.cipher = options.encryption === undefined
      ? undefined
      : FileCipher.forNewFile(KeyRing.from(options.encryption, 'option encryption'), FileKind.Table, options.fileNumber ?? 0);
    this.data = new BlockBuilder(this.restartInterval, this.blockSize + (this.blockSize >>> 2));
    this.index = new IndexBuilder(this.cmp);
    const fo = this.filterOptions === false ? undefined : this.filterOptions;
    this.filter = this.filterOptions === false ? undefined : new FilterCollector(fo);
    this.prefixFilter = this.prefixExtractor === undefined ? undefined : new FilterCollector(fo);
    try {
      this.file = fs.open(path, { write: true, create: true, truncate: true });
    } catch (err) {
      this.state = State.Failed;
      throw toIoError(err, `creating table ${path}`);
    }
  }

  /** Point entries added so far. */
  get entries(): number {
    return this.entryCount;
  }

  /** Approximate size of the file if finished now (for splitting compaction output). */
  get estimatedFileSize(): number {
    // Held-back samples count at their uncompressed size: an overestimate until training.
    return this.offset + this.sampledBytes + this.data.estimatedSize() + this.index.estimatedSize() + (this.filter?.count ?? 0) + 256;
  }

  /**
   * Adds a point entry. Entries must come in strictly increasing internal-key order: user
   * key ascending, and for one user key seqno strictly descending.
   */
  add(userKey: Uint8Array, seqno: number, type: ValueType, value: Uint8Array): void {
    this.checkOpen();
    checkUserKey(userKey);
    checkSeqno(seqno);
    checkValueType(type);
    checkValue(value);
    const ukLen = userKey.length;
    let sameKey = false;
    if (this.entryCount > 0) {
      const c = this.bytewise
        ? -compareBytesAt(this.lastKey, 0, this.lastKeyLen, userKey)
        : this.cmp.compare(userKey, this.lastKey.subarray(0, this.lastKeyLen));
      if (c < 0 || (c === 0 && seqno >= this.lastSeqno)) {
        throw new InvalidArgumentError(
          c < 0
            ? `entries out of order in ${this.path}: key sorts before the previous key`
            : `entries out of order in ${this.path}: seqno ${seqno} is not below the previous version's ${this.lastSeqno}`,
        );
      }
      sameKey = c === 0;
    }
    try {
      if (this.pendingHandle !== undefined) {
        this.addIndexEntry(userKey);
        this.pendingHandle = undefined;
      }
      if (!sameKey) {
        this.filter?.add(userKey);
        if (this.prefixFilter !== undefined) this.addPrefix(userKey);
      }
      // Encode the internal key and append.
      const n = ukLen + TRAILER_SIZE;
      if (this.keyScratch.length < n) this.keyScratch = new Uint8Array(Math.max(n, this.keyScratch.length * 2));
      const ks = this.keyScratch;
      if (ukLen <= 32) for (let i = 0; i < ukLen; i++) ks[i] = userKey[i]!;
      else ks.set(userKey);
      putTrailer(ks, ukLen, seqno, type);
      this.data.add(ks, n, value);

      if (this.entryCount === 0) this.firstKey = copyOf(userKey);
      if (!sameKey) {
        if (this.lastKey.length < ukLen) this.lastKey = new Uint8Array(Math.max(ukLen, this.lastKey.length * 2));
        const lk = this.lastKey;
        if (ukLen <= 32) for (let i = 0; i < ukLen; i++) lk[i] = userKey[i]!;
        else lk.set(userKey);
        this.lastKeyLen = ukLen;
      }
      this.lastSeqno = seqno;
      this.lastType = type;
      this.entryCount++;
      this.counts[type]!++;
      this.rawKeyBytes += ukLen;
      this.rawValueBytes += value.length;
      if (seqno < this.minSeqno) this.minSeqno = seqno;
      if (seqno > this.maxSeqno) this.maxSeqno = seqno;

      if (this.data.estimatedSize() >= this.blockSize) this.flushDataBlock();
    } catch (err) {
      throw this.fail(err);
    }
  }

  /** Convenience: add(userKey, seqno, ValueType.Value, value). */
  put(userKey: Uint8Array, seqno: number, value: Uint8Array): void {
    this.add(userKey, seqno, ValueType.Value, value);
  }

  /** Convenience: add(userKey, seqno, ValueType.Tombstone, empty). */
  delete(userKey: Uint8Array, seqno: number): void {
    this.add(userKey, seqno, ValueType.Tombstone, EMPTY);
  }

  /** Records a range deletion of [start, end) at `seqno`. Any order; the writer sorts them. */
  addRangeTombstone(start: Uint8Array, end: Uint8Array, seqno: number): void {
    this.checkOpen();
    checkUserKey(start, 'range tombstone start');
    checkUserKey(end, 'range tombstone end');
    checkSeqno(seqno);
    if (this.cmp.compare(start, end) >= 0) throw new InvalidArgumentError('range tombstone start must sort before its end');
    this.rangeTombstones.push({ start: copyOf(start), end: copyOf(end), seqno });
  }

  /**
   * Writes the rest of the table, fsyncs (unless sync: false), closes the file and returns
   * the table's metadata. The writer cannot be used afterwards.
   */
  finish(): FinishedTable {
    this.checkOpen();
    try {
      if (!this.data.empty()) this.flushDataBlock();
      if (this.pendingHandle !== undefined) {
        this.addIndexEntry(undefined);
        this.pendingHandle = undefined;
      }
      if (this.samples !== undefined) this.trainAndWriteSamples();
      const dataSize = this.offset;
      const meta = new Map<string, BlockHandle>();
      const dict = this.compressor.dictionary;
      if (dict !== undefined) {
        // Stored plain-zstd compressed (id 1) when that pays; never with itself.
        const h = this.writeBlock(dict, true, BlockType.ZstdDictionary);
        meta.set(MetaBlockName.ZstdDictionary, h);
        this.dictHandle = h;
      }

      let filterSize = 0;
      let filterKeys = 0;
      if (this.filter !== undefined && this.filter.count > 0) {
        const h = this.writeBlock(this.filter.finish(), false, BlockType.Filter);
        meta.set(MetaBlockName.Filter, h);
        filterSize = h.size + BLOCK_TRAILER_SIZE;
        filterKeys = this.filter.count;
      }
      let prefixFilterSize = 0;
      let prefixKeys = 0;
      if (this.prefixFilter !== undefined && this.prefixFilter.count > 0) {
        const h = this.writeBlock(this.prefixFilter.finish(), false, BlockType.PrefixFilter);
        meta.set(MetaBlockName.PrefixFilter, h);
        prefixFilterSize = h.size + BLOCK_TRAILER_SIZE;
        prefixKeys = this.prefixFilter.count;
      }
      let rangeSize = 0;
      let rtStart: Uint8Array | undefined;
      let rtEnd: Uint8Array | undefined;
      let minSeq = this.minSeqno;
      let maxSeq = this.maxSeqno;
      if (this.rangeTombstones.length > 0) {
        const list = this.rangeTombstones;
        sortRangeTombstones(list, this.cmp);
        const h = this.writeBlock(buildRangeTombstoneBlock(list), true, BlockType.RangeTombstones);
        meta.set(MetaBlockName.RangeTombstones, h);
        rangeSize = h.size + BLOCK_TRAILER_SIZE;
        rtStart = list[0]!.start;
        for (const t of list) {
          if (rtEnd === undefined || this.cmp.compare(t.end, rtEnd) > 0) rtEnd = t.end;
          if (t.seqno < minSeq) minSeq = t.seqno;
          if (t.seqno > maxSeq) maxSeq = t.seqno;
        }
      }
      if (this.entryCount === 0 && this.rangeTombstones.length === 0) {
        minSeq = 0;
        maxSeq = 0;
      }
      const indexHandle = this.writeBlock(this.index.finish(), true, BlockType.Index);
      const metaHandle = this.writeBlock(buildMetaindexBlock(meta), false, BlockType.Metaindex);

      // Everything so far is covered by the file checksum.
      this.flushOut();
      const checksumLength = this.offset;
      const props: TableProperties = {
        formatVersion: this.formatVersion,
        comparator: this.cmp.name,
        compression: this.compressor.type,
        compressionLevel: this.compressor.type === 'zstd' ? this.compressor.level : 0,
        entryCount: this.entryCount,
        valueCount: this.counts[ValueType.Value]!,
        tombstoneCount: this.counts[ValueType.Tombstone]!,
        weakTombstoneCount: this.counts[ValueType.WeakTombstone]!,
        mergeCount: this.counts[ValueType.Merge]!,
        indirectionCount: this.counts[ValueType.Indirection]!,
        rangeTombstoneCount: this.rangeTombstones.length,
        smallestKey: this.firstKey,
        largestKey: this.entryCount > 0 ? this.lastKey.slice(0, this.lastKeyLen) : undefined,
        smallestRangeTombstoneStart: rtStart,
        largestRangeTombstoneEnd: rtEnd,
        smallestSeqno: minSeq,
        largestSeqno: maxSeq,
        rawKeyBytes: this.rawKeyBytes,
        rawValueBytes: this.rawValueBytes,
        dataSize,
        uncompressedDataSize: this.uncompressedDataSize,
        dataBlockCount: this.dataBlockCount,
        compressedDataBlockCount: this.compressedDataBlockCount,
        dictionaryId: dict !== undefined ? dictionaryIdOf(dict) : 0,
        dictionarySize: dict?.length ?? 0,
        indexSize: indexHandle.size + BLOCK_TRAILER_SIZE,
        filterSize,
        prefixFilterSize,
        rangeTombstoneSize: rangeSize,
        indexType: INDEX_TYPE_BINARY_SEARCH,
        filterKeyCount: filterKeys,
        prefixFilterKeyCount: prefixKeys,
        prefixExtractor: this.prefixExtractor?.name ?? '',
        blockSize: this.blockSize,
        restartInterval: this.restartInterval,
        creationTime: this.creationTime ?? Date.now(),
        fileChecksum: this.hasher.digestHex(),
        fileChecksumLength: checksumLength,
      };
      const propsHandle = this.writeBlock(buildPropertiesBlock(props), false, BlockType.Properties, false);
      const footer = encodeFooter({ metaindex: metaHandle, index: indexHandle, properties: propsHandle, formatVersion: this.formatVersion });
      // An encrypted table's header sits before the footer; its key-check tag also
      // authenticates the footer's handles and version.
      if (this.cipher !== undefined) this.out.putBytes(this.cipher.header(footer.subarray(0, 52)));
      this.out.putBytes(footer);
      this.offset = this.flushedTo + this.out.len;
      this.flushOut(false);
      if (this.syncOnFinish) this.file.syncData();
      this.state = State.Finished;
      this.file.close();
      return { path: this.path, fileSize: this.offset, properties: props };
    } catch (err) {
      throw this.fail(err);
    }
  }

  /** Gives up: closes and removes the partial file. Safe to call in any state. */
  abandon(): void {
    if (this.state !== State.Open) return;
    this.state = State.Failed;
    this.cleanup();
  }

  private addPrefix(userKey: Uint8Array): void {
    const p = this.prefixExtractor!.prefix(userKey);
    if (p === undefined) return;
    const last = this.lastPrefix;
    if (last !== undefined && last.length === p.length && this.cmp.compare(last, p) === 0) return;
    this.prefixFilter!.add(p);
    this.lastPrefix = copyOf(p);
  }

  private get formatVersion(): number {
    return this.cipher === undefined ? FORMAT_VERSION : ENCRYPTED_FORMAT_VERSION;
  }

  /** Appends a block (encrypting it when the table is encrypted) and returns its handle. */
  private append(payload: Uint8Array, id: number, type: number): BlockHandle {
    const stored = this.cipher === undefined ? payload : this.cipher.seal(payload, this.offset, type, id);
    const handle = { offset: this.offset, size: stored.length };
    appendBlock(this.out, stored, id, this.offset, this.cipher === undefined ? 0 : BlockFlags.Encrypted);
    this.offset += stored.length + BLOCK_TRAILER_SIZE;
    return handle;
  }

  private flushDataBlock(): void {
    const contents = this.data.finish();
    let handle: MutableHandle;
    if (this.samples !== undefined) {
      // Held back until the dictionary is trained; its handle is filled in then.
      handle = { offset: -1, size: -1 };
      this.samples.push({ contents: contents.slice(), handle });
      this.sampledBytes += contents.length;
    } else {
      handle = this.writeDataBlock(contents);
    }
    this.data.reset();
    this.pendingHandle = handle;
    if (this.samples !== undefined && this.sampledBytes >= this.dictOptions!.sampleBytes) this.trainAndWriteSamples();
  }

  private writeDataBlock(contents: Uint8Array): MutableHandle {
    const { id, payload } = this.compressor.compress(contents, true);
    const stored = this.append(payload, id, BlockType.Data);
    const handle: MutableHandle = { offset: stored.offset, size: stored.size };
    this.uncompressedDataSize += contents.length;
    this.dataBlockCount++;
    if (id !== CompressionId.None) this.compressedDataBlockCount++;
    if (this.out.len >= WRITE_BUFFER) this.flushOut();
    return handle;
  }

  /** Index entry for the block just finished (`pendingHandle`), deferred while its handle is unknown. */
  private addIndexEntry(nextKey: Uint8Array | undefined): void {
    const handle = this.pendingHandle!;
    const last = this.lastKey.subarray(0, this.lastKeyLen);
    if (handle.offset < 0) {
      this.deferredIndex.push({ lastKey: last.slice(), lastSeqno: this.lastSeqno, lastType: this.lastType, nextKey: nextKey === undefined ? undefined : copyOf(nextKey), handle });
    } else {
      this.index.addEntry(last, this.lastSeqno, this.lastType, nextKey, handle);
    }
  }

  /** Trains the dictionary on the held-back blocks, then writes them and their index entries. */
  private trainAndWriteSamples(): void {
    const samples = this.samples!;
    this.samples = undefined;
    const dict = chooseTableDictionary(samples.map((s) => s.contents), this.dictOptions!.maxBytes, this.compressor.level);
    if (dict !== undefined) this.compressor.useDictionary(dict);
    for (const s of samples) {
      const h = this.writeDataBlock(s.contents);
      s.handle.offset = h.offset;
      s.handle.size = h.size;
    }
    this.sampledBytes = 0;
    for (const e of this.deferredIndex) this.index.addEntry(e.lastKey, e.lastSeqno, e.lastType, e.nextKey, e.handle);
    this.deferredIndex = [];
  }

  /** Appends a meta/index block (compressed if asked and it pays) and returns its handle. */
  private writeBlock(contents: Uint8Array, compress: boolean, type: number, hashed = true): BlockHandle {
    if (!hashed) this.flushOut();
    const { id, payload } = compress ? this.compressor.compress(contents) : { id: CompressionId.None, payload: contents };
    const handle = this.append(payload, id, type);
    if (hashed && this.out.len >= WRITE_BUFFER) this.flushOut();
    return handle;
  }

  /** Writes buffered bytes to the file, feeding the file checksum unless told not to. */
  private flushOut(hash = true): void {
    const bytes = this.out.bytes();
    if (bytes.length === 0) return;
    if (hash) this.hasher.update(bytes);
    writeAll(this.file, bytes);
    this.flushedTo += bytes.length;
    this.out.reset();
  }

  private checkOpen(): void {
    if (this.state !== State.Open) throw closedError(`table writer for ${this.path}`);
  }

  /** Moves to the failed state, removes the partial file, and returns the error to throw. */
  private fail(err: unknown): unknown {
    this.state = State.Failed;
    this.cleanup();
    return toIoError(err, `writing table ${this.path}`);
  }

  private cleanup(): void {
    try {
      this.file.close();
    } catch {
      // already failing; the close error adds nothing
    }
    try {
      this.fs.removeFile(this.path);
    } catch {
      // best effort: a leftover file has no valid footer or is not referenced by any manifest
    }
  }
}

const EMPTY = new Uint8Array(0);
