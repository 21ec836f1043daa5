// Table: a read-only open table file. Open reads and validates the footer, properties,
// metaindex, index and filter; data blocks are read on demand, checksum-verified, and
// kept in the shared BlockCache when one is given. Point lookups consult the filter
// before touching the index or any data block. Every byte read is checksummed, so a
// damaged table yields CorruptionError (naming file and offset), never a wrong answer.

import { loadTableDictionary } from './dictionary/table-dictionary-reader.js';
import type { DictionaryDecompressor } from '@lsm/zstd-dictionary';
import { ENCRYPTION_HEADER_SIZE, FileKind, KeyRing, type EncryptionOptions, BlockType, FileCipher } from '@lsm/encryption';
import {
  bytewiseComparator,
  compareBytesAt,
  isBytewise,
  type Comparator,
  closedError,
  CorruptionError,
  InvalidArgumentError,
  NotSupportedError,
  toIoError,
  checkProbe,
  checkUserKey,
  MAX_SEQNO,
  ValueType,
  FragmentedRangeTombstones,
  type RangeTombstone,
  type Entry,
} from '@lsm/base';
import type { Fs, FsFile } from '@lsm/fs';
import type { BlockCache, CacheShard } from './block-cache.js';
import type { BlockHandle } from './block-handle.js';
import { BLOCK_TRAILER_SIZE, readBlock, readFully, openTableFile, type BlockCrypt } from './block-io.js';
import { Block, type CompareAt } from './block-reader.js';
import { DataBlockIter } from './data-block-iterator.js';
import { keyHash, TableFilter, type Hash64 } from './filter-block.js';
import { decodeFooter, ENCRYPTED_FORMAT_VERSION, FOOTER_SIZE, type Footer } from './footer.js';
import { IndexBlock, INDEX_TYPE_BINARY_SEARCH } from './index-block.js';
import { decodeMetaindexBlock, MetaBlockName } from './metaindex-block.js';
import type { PrefixExtractor } from './prefix-extractor.js';
import { decodePropertiesBlock, type TableProperties } from './properties.js';
import { decodeRangeTombstoneBlock } from './range-tombstone-block.js';
import { TableIterator, type TableIteratorOptions } from './table-iterator.js';

/** How to open a table. */
export interface TableOptions {
  /**
   * A number unique among all tables sharing `cache` (e.g. the file number): the block
   * cache key is (tableId, block offset). Required when `cache` is given.
   */
  tableId?: number;
  /** Shared block cache. Without one every data block read goes to the Fs. */
  cache?: BlockCache;
  /** Must have the name recorded in the table (else InvalidArgumentError). Default bytewise. */
  comparator?: Comparator;
  /** Enables the prefix filter when its name matches the one the table was written with. */
  prefixExtractor?: PrefixExtractor;
  /**
   * Put the index and filter blocks in the cache (charged, evictable) instead of holding
   * them for the table's lifetime. Default false (pinned, as RocksDB's default).
   */
  cacheIndexAndFilterBlocks?: boolean;
  /**
   * Keys for an encrypted (format version 2) table. Required for one (else
   * InvalidArgumentError); given for an unencrypted table it is InvalidArgumentError too,
   * since the caller expected encryption. A key that does not match is CorruptionError
   * ("encryption key does not match"), reported at open before any data is read.
   */
  encryption?: EncryptionOptions | KeyRing;
  /** For an encrypted table: the file number it must have been written with (else CorruptionError). */
  fileNumber?: number;
}

/** The newest entry of a key visible at the lookup's seqno. */
export interface TableGetResult {
  readonly type: ValueType;
  readonly seqno: number;
  /** A view into the (immutable) block: zero-copy and stays valid; copy it to let the block be freed. */
  readonly value: Uint8Array;
  /**
   * Only when `type` is Merge: the older entries of the same key in this table, newest
   * first, through the first non-merge entry (or all of them when every one is a merge
   * operand). Undefined otherwise.
   */
  readonly olderEntries: readonly Entry[] | undefined;
}

export class Table {
  /** The table's properties, as recorded by the writer. */
  readonly properties: TableProperties;
  readonly fileSize: number;
  /** @internal */ readonly cmp: Comparator;
  /** @internal */ readonly compareAt: CompareAt;
  /** @internal */ readonly dataSize: number;
  private readonly cache: BlockCache | undefined;
  /** This table's part of the cache (its data blocks are found by block number). */
  private readonly shard: CacheShard | undefined;
  private readonly id: number;
  private readonly cacheMeta: boolean;
  private readonly footer: Footer;
  private readonly metaHandles: Map<string, BlockHandle>;
  private pinnedIndex: IndexBlock | undefined;
  private pinnedFilter: TableFilter | undefined;
  private pinnedPrefixFilter: TableFilter | undefined;
  private readonly usePrefixFilter: boolean;
  private tombstones: readonly RangeTombstone[] | undefined;
  private fragmented: FragmentedRangeTombstones | undefined;
  /** The zstd dictionary of the data blocks, prepared once at open (undefined: none). */
  private readonly dictionary: DictionaryDecompressor | undefined;
  /** Written without compression or encryption: data blocks are read straight into their cache buffer. */
  private readonly plainData: boolean;
  private readonly getIter: DataBlockIter;
  /** The table's cipher when it is encrypted. */
  private readonly cipher: FileCipher | undefined;
  private closed = false;

  private constructor(
    private readonly file: FsFile,
    readonly path: string,
    options: TableOptions,
  ) {
    this.cmp = options.comparator ?? bytewiseComparator;
    const cmp = this.cmp;
    this.compareAt = isBytewise(cmp) ? compareBytesAt : (buf, off, len, key) => cmp.compare(buf.subarray(off, off + len), key);
    this.cache = options.cache;
    if (this.cache !== undefined && (options.tableId === undefined || !Number.isSafeInteger(options.tableId))) {
      throw new InvalidArgumentError('a tableId (safe integer) is required when a block cache is given');
    }
    this.id = options.tableId ?? 0;
    this.cacheMeta = (options.cacheIndexAndFilterBlocks ?? false) && this.cache !== undefined;
    this.getIter = new DataBlockIter(this.compareAt);

    let size: number;
    try {
      size = file.size();
    } catch (err) {
      throw toIoError(err, `reading the size of ${path}`);
    }
    this.fileSize = size;
    if (size < FOOTER_SIZE) throw new CorruptionError(path, 0, `file is ${size} bytes, too short to be a table`);
    const footerOffset = size - FOOTER_SIZE;
    const fb = new Uint8Array(FOOTER_SIZE);
    readFully(file, path, fb, footerOffset);
    this.footer = decodeFooter(fb, path, footerOffset);
    const opened = openTableCipher(file, path, fb, this.footer, footerOffset, options);
    this.cipher = opened.cipher;

    const ph = this.footer.properties;
    const props = decodePropertiesBlock(new Block(readBlock(file, path, ph, opened.limit, this.crypt(BlockType.Properties)), path, ph.offset));
    this.properties = props;
    if (props.formatVersion !== this.footer.formatVersion) {
      throw new CorruptionError(path, ph.offset, `properties say format version ${props.formatVersion}, footer says ${this.footer.formatVersion}`);
    }
    if (props.comparator !== cmp.name) {
      throw new InvalidArgumentError(`${path} was written with comparator '${props.comparator}' but opened with '${cmp.name}'`);
    }
    if (props.indexType !== INDEX_TYPE_BINARY_SEARCH) throw new NotSupportedError(`${path} uses index type ${props.indexType}, which this version cannot read`);
    if (props.fileChecksumLength !== ph.offset || props.dataSize > ph.offset) {
      throw new CorruptionError(path, ph.offset, 'properties disagree with the file layout');
    }
    this.dataSize = props.dataSize;

    const mh = this.checkMetaHandle(this.footer.metaindex, 'metaindex');
    this.metaHandles = decodeMetaindexBlock(new Block(readBlock(file, path, mh, ph.offset, this.crypt(BlockType.Metaindex)), path, mh.offset));
    for (const [name, h] of this.metaHandles) this.checkMetaHandle(h, name);
    this.checkMetaHandle(this.footer.index, 'index');
    this.dictionary = loadTableDictionary(file, path, this.metaHandles, props, ph.offset, this.crypt(BlockType.ZstdDictionary));
    this.plainData = props.compression === 'none' && this.cipher === undefined;
    this.usePrefixFilter = options.prefixExtractor !== undefined && options.prefixExtractor.name === props.prefixExtractor && props.prefixExtractor !== '';
    this.shard = this.cache?.shard(this.id);

    if (!this.cacheMeta) {
      this.pinnedIndex = this.loadIndex();
      this.pinnedFilter = this.loadFilter(MetaBlockName.Filter);
      if (this.usePrefixFilter) this.pinnedPrefixFilter = this.loadFilter(MetaBlockName.PrefixFilter);
    } else {
      // Validate them now so open fails on damage, but leave them to the cache.
      this.indexBlock();
      this.filterFor(MetaBlockName.Filter);
    }
  }

  /**
   * Opens the table at `path`. Throws CorruptionError for a damaged footer / properties /
   * index / filter, NotSupportedError for a newer format, InvalidArgumentError for a
   * comparator mismatch, IoError when the Fs fails.
   */
  static open(fs: Fs, path: string, options: TableOptions = {}): Table {
    const file = openTableFile(fs, path);
    try {
      return new Table(file, path, options);
    } catch (err) {
      try {
        file.close();
      } catch {
        // the open error is the one to report
      }
      throw err;
    }
  }

  /**
   * Reads just the footer and properties of the table at `path`, whatever its comparator
   * (for tools, and to learn which comparator / prefix extractor to open it with).
   */
  static readProperties(fs: Fs, path: string, options: Pick<TableOptions, 'encryption' | 'fileNumber'> = {}): TableProperties {
    const file = openTableFile(fs, path);
    try {
      let size: number;
      try {
        size = file.size();
      } catch (err) {
        throw toIoError(err, `reading the size of ${path}`);
      }
      if (size < FOOTER_SIZE) throw new CorruptionError(path, 0, `file is ${size} bytes, too short to be a table`);
      const fb = new Uint8Array(FOOTER_SIZE);
      readFully(file, path, fb, size - FOOTER_SIZE);
      const footer = decodeFooter(fb, path, size - FOOTER_SIZE);
      const { cipher, limit } = openTableCipher(file, path, fb, footer, size - FOOTER_SIZE, options);
      const ph = footer.properties;
      const crypt = cipher === undefined ? undefined : { cipher, type: BlockType.Properties };
      return decodePropertiesBlock(new Block(readBlock(file, path, ph, limit, crypt), path, ph.offset));
    } finally {
      try {
        file.close();
      } catch {
        // read-only handle; nothing to lose
      }
    }
  }

  /** The id this table's blocks are cached under. */
  get tableId(): number {
    return this.id;
  }

  /**
   * Looks up the newest entry of `userKey` with seqno <= `seqno` (default: newest). `hash`
   * is keyHash(userKey), computed once by a caller probing several tables. Returns
   * undefined when the table has no visible entry for the key.
   */
  get(userKey: Uint8Array, seqno: number = MAX_SEQNO, hash?: Hash64): TableGetResult | undefined {
    this.checkOpen();
    checkProbe(userKey, seqno);
    if (this.properties.entryCount === 0) return undefined;
    const filter = this.cacheMeta ? this.filterFor(MetaBlockName.Filter) : this.pinnedFilter;
    if (filter !== undefined) {
      const h = hash ?? keyHash(userKey);
      if (!filter.mayContain(h.hi, h.lo)) return undefined;
    }
    const index = this.indexBlock();
    let i = index.find(userKey, seqno, this.compareAt);
    if (i >= index.count) return undefined;
    const it = this.getIter;
    it.reset(this.dataBlock(index, i, true));
    it.seek(userKey, seqno);
    // The separator of block i is >= target and < every key of block i+1 with the same
    // user key, so running off block i means the key is absent.
    if (!it.valid() || it.compareUserKey(userKey) !== 0) {
      it.clear();
      return undefined;
    }
    const type = it.type();
    const s = it.seqno();
    const value = it.value();
    if (type !== ValueType.Merge) {
      it.clear();
      return { type, seqno: s, value, olderEntries: undefined };
    }
    // Merge: gather older versions of the key, possibly across blocks.
    const older: Entry[] = [];
    for (;;) {
      it.next();
      if (!it.valid()) {
        if (++i >= index.count) break;
        it.reset(this.dataBlock(index, i, true));
        it.seekToFirst();
        if (!it.valid()) break;
      }
      if (it.compareUserKey(userKey) !== 0) break;
      const t = it.type();
      older.push({ userKey, seqno: it.seqno(), type: t, value: it.value() });
      if (t !== ValueType.Merge) break;
    }
    it.clear();
    return { type, seqno: s, value, olderEntries: older };
  }

  /** False only when the filter proves `userKey` is absent. */
  mayContain(userKey: Uint8Array, hash?: Hash64): boolean {
    this.checkOpen();
    checkProbe(userKey, 0);
    if (this.properties.entryCount === 0) return false;
    const filter = this.cacheMeta ? this.filterFor(MetaBlockName.Filter) : this.pinnedFilter;
    if (filter === undefined) return true;
    const h = hash ?? keyHash(userKey);
    return filter.mayContain(h.hi, h.lo);
  }

  /**
   * False only when the prefix filter proves no key with this prefix is in the table.
   * Always true when the table has no prefix filter or was opened without the same
   * prefix extractor. `hash` is keyHash(prefix).
   */
  mayContainPrefix(prefix: Uint8Array, hash?: Hash64): boolean {
    this.checkOpen();
    checkProbe(prefix, 0);
    if (this.properties.entryCount === 0) return false;
    if (!this.usePrefixFilter) return true;
    const filter = this.cacheMeta ? this.filterFor(MetaBlockName.PrefixFilter) : this.pinnedPrefixFilter;
    if (filter === undefined) return true;
    const h = hash ?? keyHash(prefix);
    return filter.mayContain(h.hi, h.lo);
  }

  /** A new iterator over the table's point entries. */
  iterator(options: TableIteratorOptions = {}): TableIterator {
    this.checkOpen();
    if (options.lowerBound !== undefined) checkUserKey(options.lowerBound, 'lowerBound');
    if (options.upperBound !== undefined) checkUserKey(options.upperBound, 'upperBound');
    return new TableIterator(this, this.indexBlock(), options);
  }

  /** The table's range tombstones, sorted by start (then seqno descending). Do not mutate. */
  rangeTombstones(): readonly RangeTombstone[] {
    this.checkOpen();
    if (this.tombstones === undefined) {
      const h = this.metaHandles.get(MetaBlockName.RangeTombstones);
      if (h === undefined) {
        this.tombstones = Object.freeze([]);
      } else {
        const block = new Block(readBlock(this.file, this.path, h, this.footer.properties.offset, this.crypt(BlockType.RangeTombstones)), this.path, h.offset);
        this.tombstones = Object.freeze(decodeRangeTombstoneBlock(block, this.cmp));
      }
    }
    return this.tombstones;
  }

  /** The table's range tombstones, fragmented for O(log n) coverage queries (built once, cached). */
  fragmentedRangeTombstones(): FragmentedRangeTombstones {
    if (this.fragmented === undefined) this.fragmented = FragmentedRangeTombstones.build(this.rangeTombstones(), this.cmp);
    return this.fragmented;
  }

  /** Approximate file offset where entries >= userKey begin (for sizing key ranges). */
  approximateOffsetOf(userKey: Uint8Array): number {
    this.checkOpen();
    checkProbe(userKey, 0);
    const index = this.indexBlock();
    const i = index.find(userKey, MAX_SEQNO, this.compareAt);
    return i < index.count ? index.blockOffset(i) : this.dataSize;
  }

  /** Filter statistics for tools: undefined when the table has no such filter. */
  filterInfo(which: 'whole-key' | 'prefix' = 'whole-key'): { keyCount: number; fingerprintBits: number; byteLength: number; bitsPerKey: number } | undefined {
    this.checkOpen();
    const f = this.loadFilter(which === 'prefix' ? MetaBlockName.PrefixFilter : MetaBlockName.Filter);
    if (f === undefined) return undefined;
    return { keyCount: f.keyCount, fingerprintBits: f.fingerprintBits, byteLength: f.byteLength, bitsPerKey: f.bitsPerKey };
  }

  /** Closes the file. Later calls (and iterators needing a new block) throw LSM_CLOSED. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pinnedIndex = undefined;
    this.pinnedFilter = undefined;
    this.pinnedPrefixFilter = undefined;
    try {
      this.file.close();
    } catch (err) {
      throw toIoError(err, `closing ${this.path}`);
    }
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** @internal The index block (pinned, or through the cache). */
  indexBlock(): IndexBlock {
    if (this.pinnedIndex !== undefined) return this.pinnedIndex;
    this.checkOpen();
    if (!this.cacheMeta) return (this.pinnedIndex = this.loadIndex());
    const h = this.footer.index;
    const cached = this.cache!.lookup(this.shard!, h.offset);
    if (cached !== undefined) return cached as IndexBlock;
    const index = this.loadIndex();
    this.cache!.insertInto(this.shard!, h.offset, index, index.charge);
    return index;
  }

  /** @internal Data block `i` of `index`, from the cache or the file. */
  dataBlock(index: IndexBlock, i: number, fillCache: boolean): Block {
    this.checkOpen();
    const off = index.blockOffset(i);
    const cache = this.cache;
    if (cache !== undefined) {
      const b = cache.lookupSlot(this.shard!, i);
      if (b !== undefined) return b as Block;
    }
    // A block bound for the cache decodes into a recycled buffer when the cache pools them.
    const pool = fillCache ? cache?.pool : undefined;
    const data = readBlock(this.file, this.path, { offset: off, size: index.blockSize(i) }, this.dataSize, this.crypt(BlockType.Data), this.dictionary, pool?.take, this.plainData);
    const block = new Block(data, this.path, off, pool !== undefined && pool.tookLast(data));
    if (cache !== undefined && fillCache) cache.insertInto(this.shard!, off, block, block.charge, i);
    return block;
  }

  /** @internal Throws LSM_CLOSED after close(). */
  checkOpen(): void {
    if (this.closed) throw closedError(`table ${this.path}`);
  }

  private filterFor(name: string): TableFilter | undefined {
    const h = this.metaHandles.get(name);
    if (h === undefined) return undefined;
    const cached = this.cache!.lookup(this.shard!, h.offset);
    if (cached !== undefined) return cached as TableFilter;
    const f = this.loadFilter(name);
    if (f !== undefined) this.cache!.insertInto(this.shard!, h.offset, f, f.charge);
    return f;
  }

  private loadIndex(): IndexBlock {
    const h = this.footer.index;
    const block = new Block(readBlock(this.file, this.path, h, this.footer.properties.offset, this.crypt(BlockType.Index)), this.path, h.offset);
    return new IndexBlock(block, this.dataSize, isBytewise(this.cmp));
  }

  private loadFilter(name: string): TableFilter | undefined {
    const h = this.metaHandles.get(name);
    if (h === undefined) return undefined;
    const type = name === MetaBlockName.PrefixFilter ? BlockType.PrefixFilter : BlockType.Filter;
    const bytes = readBlock(this.file, this.path, h, this.footer.properties.offset, this.crypt(type));
    return TableFilter.from(bytes, this.path, h.offset);
  }

  /** How to decrypt a block of `type`: undefined for an unencrypted table. */
  private crypt(type: number): BlockCrypt | undefined {
    return this.cipher === undefined ? undefined : { cipher: this.cipher, type };
  }

  /** Meta blocks live between the data and the properties block. */
  private checkMetaHandle(h: BlockHandle, what: string): BlockHandle {
    if (h.offset < this.dataSize || h.offset + h.size + BLOCK_TRAILER_SIZE > this.footer.properties.offset) {
      throw new CorruptionError(this.path, h.offset, `${what} block handle points outside the meta region`);
    }
    return h;
  }
}

/**
 * For a version-2 (encrypted) footer: reads the encryption header before the footer and
 * checks the key (and, through the key-check tag, the footer) before any block is read.
 * Returns the cipher (undefined for an unencrypted table) and where the properties block
 * must end. A mismatch between the table and `options.encryption` is InvalidArgumentError.
 */
export function openTableCipher(
  file: FsFile,
  path: string,
  footerBytes: Uint8Array,
  footer: Footer,
  footerOffset: number,
  options: Pick<TableOptions, 'encryption' | 'fileNumber'>,
): { cipher: FileCipher | undefined; limit: number } {
  if (footer.formatVersion !== ENCRYPTED_FORMAT_VERSION) {
    if (options.encryption !== undefined) throw new InvalidArgumentError(`${path} is not encrypted, but an encryption key was given`);
    return { cipher: undefined, limit: footerOffset };
  }
  if (options.encryption === undefined) throw new InvalidArgumentError(`${path} is encrypted: open it with its encryption key (option encryption)`);
  const keys = KeyRing.from(options.encryption, 'option encryption');
  const headerOffset = footerOffset - ENCRYPTION_HEADER_SIZE;
  if (headerOffset < 0) throw new CorruptionError(path, 0, 'encrypted table too short to hold its encryption header');
  const hb = new Uint8Array(ENCRYPTION_HEADER_SIZE);
  readFully(file, path, hb, headerOffset);
  const cipher = FileCipher.fromHeader(keys, hb, path, headerOffset, FileKind.Table, options.fileNumber, footerBytes.subarray(0, 52));
  return { cipher, limit: headerOffset };
}
