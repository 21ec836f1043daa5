// TableSalvager: reads what can still be read from a damaged table, block by block, and
// says what it could not read. For an engine's salvage of a damaged store.
//
// - Footer, properties, metaindex, index: read as a reader would; each one that fails is
//   reported, and the salvager falls back as far as the format allows (FORMAT.md).
// - With the index: every data block through its handle; a block that fails (checksum,
//   decryption, decompression, structure) is skipped and reported with its offset, length
//   and the user keys it covered (between the last key read before it and its separator).
// - Without the index (or the footer, for a plaintext table): the data region is
//   contiguous from offset 0, and each block is its payload followed by an 8-byte trailer
//   whose XXH32 is seeded by the block's offset, so block boundaries can be found again
//   from the bytes: the trailer is the first place after the block start where the
//   checksum of everything before it matches. A damaged block is skipped by looking for
//   the next offset where a block that checks out (and continues the key order) starts.
//   The region ends at the properties' data size (without them, where the index's
//   handles end); without the properties and the index, or the footer, at the first block
//   that is not a data block continuing the key order, or at the index block (it decodes
//   like a data block: told apart by its values, block handles contiguous from offset 0
//   that end before it). Damage after the last data block read, with no data block after
//   it, is reported up to the next block that checks out: it may be the last data blocks.
//   An encrypted table without its footer cannot be read (its cipher is bound to the footer).
// - Range tombstones: from their meta block; reported lost when it cannot be read.
// Every entry delivered comes from a block whose checksum (and authentication) held.

import {
  type Comparator,
  CorruptionError,
  type RangeTombstone,
  bytewiseComparator,
  blockChecksum,
  compareBytesAt,
  cursor,
  getU32,
  getVarint64,
  isBytewise,
  isLsmError,
  toIoError,
} from '@lsm/base';
import type { Fs, FsFile } from '@lsm/fs';
import { BlockType, type EncryptionOptions, type FileCipher, type KeyRing } from '@lsm/encryption';
import type { DictionaryDecompressor } from '@lsm/zstd-dictionary';
import type { BlockHandle } from './block-handle.js';
import { BLOCK_TRAILER_SIZE, type BlockCrypt, decodeStoredBlock, openTableFile, readBlock, readFully } from './block-io.js';
import { Block } from './block-reader.js';
import { DataBlockIter } from './data-block-iterator.js';
import { loadTableDictionary } from './dictionary/table-dictionary-reader.js';
import { FOOTER_SIZE, type Footer, decodeFooter } from './footer.js';
import { IndexBlock } from './index-block.js';
import { MetaBlockName, decodeMetaindexBlock } from './metaindex-block.js';
import { type TableProperties, decodePropertiesBlock } from './properties.js';
import { decodeRangeTombstoneBlock } from './range-tombstone-block.js';
import { openTableCipher } from './table.js';

/** What could not be read. */
export interface TableSalvageLoss {
  /** File offset of the damaged structure. */
  offset: number;
  /** Bytes skipped there (0 when not a stretch of the data region). */
  length: number;
  message: string;
  /** True when this loss may have taken point entries (a data stretch, or the whole table). */
  entries: boolean;
  /** True when it may have taken range tombstones. */
  rangeTombstones: boolean;
  /**
   * The user keys the lost entries can have: from `from` to `to`, inclusive (undefined:
   * unbounded on that side, as far as this table knows).
   */
  from?: Uint8Array;
  to?: Uint8Array;
}

/** One entry read back (the arrays are the caller's). */
export interface SalvagedEntry {
  userKey: Uint8Array;
  seqno: number;
  type: number;
  value: Uint8Array;
}

/** Options of TableSalvager.open. */
export interface TableSalvageOptions {
  comparator?: Comparator;
  encryption?: EncryptionOptions | KeyRing;
  fileNumber?: number;
}

/** Reads what can be read of one table. */
export class TableSalvager {
  /** The properties, when their block could be read. */
  properties: TableProperties | undefined;
  /** The range tombstones read (all of them, or none when their block was lost). */
  rangeTombstones: RangeTombstone[] = [];
  /** What could not be read (grows while entries() runs). */
  readonly losses: TableSalvageLoss[] = [];
  /** Entries delivered by entries(). */
  entriesRead = 0;
  /** Bytes of the data region walked so far (for progress). */
  bytesDone = 0;
  private footer: Footer | undefined;
  private cipher: FileCipher | undefined;
  private dict: DictionaryDecompressor | undefined;
  private index: IndexBlock | undefined;
  private dataEnd = 0;
  /** True when the data region's end is only a guess (stop at the first block that does not fit). */
  private endUnknown = false;
  /** Where the scan met the index block (-1: not met), and the end of the data region it indexes. */
  private indexAt = -1;
  private indexedEnd = 0;
  private readable = true;
  private readonly cmp: Comparator;
  private fileSize = 0;

  private constructor(
    private readonly file: FsFile,
    readonly path: string,
    private readonly options: TableSalvageOptions,
  ) {
    this.cmp = options.comparator ?? bytewiseComparator;
  }

  /**
   * Opens the table at `path` for salvage. Damage never throws (see `losses`); a file that
   * cannot be opened throws (IoError, or the Fs error for a missing file).
   */
  static open(fs: Fs, path: string, options: TableSalvageOptions = {}): TableSalvager {
    const s = new TableSalvager(openTableFile(fs, path), path, options);
    try {
      s.load();
    } catch (err) {
      s.close();
      throw err;
    }
    return s;
  }

  /** Entries the properties say the table holds (undefined when they could not be read). */
  get expectedEntries(): number | undefined {
    return this.properties?.entryCount;
  }

  /** Size of the data region (or of the part of the file scanned for it). */
  get dataBytes(): number {
    return this.readable ? this.dataEnd : 0;
  }

  private lose(err: unknown, fallbackOffset: number, what: Partial<TableSalvageLoss>): void {
    if (!isLsmError(err, 'LSM_CORRUPTION') && !isLsmError(err, 'LSM_NOT_SUPPORTED') && !isLsmError(err, 'LSM_INVALID_ARGUMENT')) throw err;
    this.losses.push({
      offset: err instanceof CorruptionError ? err.offset : fallbackOffset,
      length: 0,
      message: (err as Error).message,
      entries: false,
      rangeTombstones: false,
      ...what,
    });
  }

  private crypt(type: number): BlockCrypt | undefined {
    return this.cipher === undefined ? undefined : { cipher: this.cipher, type };
  }

  private load(): void {
    const path = this.path;
    try {
      this.fileSize = this.file.size();
    } catch (err) {
      throw toIoError(err, `reading the size of ${path}`);
    }
    const whole = { entries: true, rangeTombstones: true };
    if (this.fileSize < FOOTER_SIZE) {
      this.readable = false;
      this.losses.push({ offset: 0, length: this.fileSize, message: `${path}: file is ${this.fileSize} bytes, too short to be a table`, ...whole });
      return;
    }
    const footerOffset = this.fileSize - FOOTER_SIZE;
    const fb = new Uint8Array(FOOTER_SIZE);
    readFully(this.file, path, fb, footerOffset);
    try {
      this.footer = decodeFooter(fb, path, footerOffset);
    } catch (err) {
      // Without the footer, only a plaintext table's data region can be found again.
      const encrypted = this.options.encryption !== undefined;
      this.lose(err, footerOffset, encrypted ? whole : { rangeTombstones: true });
      if (encrypted) {
        this.readable = false;
        return;
      }
      this.dataEnd = footerOffset;
      this.endUnknown = true;
      return;
    }
    const footer = this.footer;
    let limit: number;
    try {
      const c = openTableCipher(this.file, path, fb, footer, footerOffset, this.options);
      this.cipher = c.cipher;
      limit = c.limit;
    } catch (err) {
      this.lose(err, footerOffset, whole);
      this.readable = false;
      return;
    }
    try {
      this.properties = decodePropertiesBlock(new Block(readBlock(this.file, path, footer.properties, limit, this.crypt(BlockType.Properties)), path, footer.properties.offset));
    } catch (err) {
      this.lose(err, footer.properties.offset, {});
    }
    const props = this.properties;
    const metaStart = Math.min(footer.index.offset, footer.metaindex.offset);
    const propsOffset = footer.properties.offset;
    let meta: Map<string, BlockHandle> | undefined;
    try {
      meta = decodeMetaindexBlock(new Block(readBlock(this.file, path, footer.metaindex, propsOffset, this.crypt(BlockType.Metaindex)), path, footer.metaindex.offset));
    } catch (err) {
      this.lose(err, footer.metaindex.offset, { rangeTombstones: props === undefined || props.rangeTombstoneCount > 0 });
    }
    if (meta !== undefined) {
      const rh = meta.get(MetaBlockName.RangeTombstones);
      if (rh !== undefined) {
        try {
          this.rangeTombstones = decodeRangeTombstoneBlock(new Block(readBlock(this.file, path, rh, propsOffset, this.crypt(BlockType.RangeTombstones)), path, rh.offset), this.cmp);
        } catch (err) {
          this.rangeTombstones = [];
          this.lose(err, rh.offset, { rangeTombstones: true, from: props?.smallestRangeTombstoneStart, to: props?.largestRangeTombstoneEnd });
        }
      } else if (props !== undefined && props.rangeTombstoneCount > 0) {
        this.losses.push({ offset: footer.metaindex.offset, length: 0, message: `${path}: the properties count ${props.rangeTombstoneCount} range tombstones, the metaindex names no block of them`, entries: false, rangeTombstones: true });
      }
      if (props !== undefined) {
        try {
          this.dict = loadTableDictionary(this.file, path, meta, props, propsOffset, this.crypt(BlockType.ZstdDictionary));
        } catch (err) {
          this.lose(err, meta.get(MetaBlockName.ZstdDictionary)?.offset ?? 0, {});
        }
      }
    }
    this.dataEnd = props !== undefined ? props.dataSize : metaStart;
    this.endUnknown = props === undefined;
    try {
      const contents = readBlock(this.file, path, footer.index, propsOffset, this.crypt(BlockType.Index));
      const ib = new Block(contents, path, footer.index.offset);
      if (props !== undefined) this.index = new IndexBlock(ib, props.dataSize, false);
      else if (ib.restartsOffset > 0) {
        // The data region ends where the index's handles (contiguous from 0) do.
        const end = TableSalvager.indexedEnd(this.decodeData(contents, footer.index.offset, undefined), footer.index.offset);
        if (end < 0) throw new CorruptionError(path, footer.index.offset, 'the index block does not index a data region before it');
        this.index = new IndexBlock(ib, end, false);
        this.dataEnd = end;
        this.endUnknown = false;
      }
    } catch (err) {
      this.lose(err, footer.index.offset, {});
    }
  }

  /** Every entry of every data block that checks out, in order (copies). */
  *entries(): Generator<SalvagedEntry> {
    if (!this.readable) return;
    if (this.index !== undefined) yield* this.byIndex(this.index);
    else yield* this.byScan();
  }

  private compareAt(): (b: Uint8Array, o: number, l: number, k: Uint8Array) => number {
    const cmp = this.cmp;
    return isBytewise(cmp) ? compareBytesAt : (b, o, l, k) => cmp.compare(b.subarray(o, o + l), k);
  }

  /** Decodes a data block's entries, checking types and order; throws CorruptionError. */
  private decodeData(contents: Uint8Array, offset: number, after: SalvagedEntry | undefined): SalvagedEntry[] {
    const it = new DataBlockIter(this.compareAt());
    it.reset(new Block(contents, this.path, offset));
    it.seekToFirst();
    if (!it.valid()) throw new CorruptionError(this.path, offset, 'empty data block');
    const out: SalvagedEntry[] = [];
    let prev = after;
    for (; it.valid(); it.next()) {
      const e: SalvagedEntry = { userKey: it.userKey().slice(), seqno: it.seqno(), type: it.type(), value: it.value().slice() };
      if (e.type > 4) throw new CorruptionError(this.path, offset, `entry of type ${e.type} in a data block`);
      if (prev !== undefined) {
        const c = this.cmp.compare(prev.userKey, e.userKey);
        if (c > 0 || (c === 0 && prev.seqno <= e.seqno)) throw new CorruptionError(this.path, offset, 'keys out of order');
      }
      out.push(e);
      prev = e;
    }
    return out;
  }

  private *byIndex(index: IndexBlock): Generator<SalvagedEntry> {
    let last: SalvagedEntry | undefined;
    for (let i = 0; i < index.count; i++) {
      const h = index.handle(i);
      let entries: SalvagedEntry[] | undefined;
      try {
        const contents = readBlock(this.file, this.path, h, this.dataEnd, this.crypt(BlockType.Data), this.dict);
        entries = this.decodeData(contents, h.offset, last);
      } catch (err) {
        const sep = index.separator(i);
        this.lose(err, h.offset, {
          length: h.size + BLOCK_TRAILER_SIZE,
          entries: true,
          from: last?.userKey ?? this.properties?.smallestKey,
          to: i === index.count - 1 ? (this.properties?.largestKey ?? sep.subarray(0, sep.length - 8).slice()) : sep.subarray(0, sep.length - 8).slice(),
        });
      }
      this.bytesDone = h.offset + h.size + BLOCK_TRAILER_SIZE;
      if (entries === undefined) continue;
      for (const e of entries) {
        this.entriesRead++;
        yield e;
      }
      last = entries[entries.length - 1];
    }
  }

  /** The data region read whole, for the scan. */
  private region(): Uint8Array {
    const buf = new Uint8Array(this.dataEnd);
    readFully(this.file, this.path, buf, 0);
    return buf;
  }

  /**
   * The block starting at `p` of `buf` (payload size), or -1: the first trailer position
   * after `p` whose bytes look like a trailer and whose checksum holds. O(block size) per
   * candidate; candidates are rare (compression id 0-2, flags 0-1, reserved bytes 0).
   */
  private static blockAt(buf: Uint8Array, p: number, end: number): number {
    for (let t = p + 1; t + BLOCK_TRAILER_SIZE <= end; t++) {
      if (buf[t]! > 2 || buf[t + 1]! > 1 || buf[t + 2] !== 0 || buf[t + 3] !== 0) continue;
      if (blockChecksum(buf.subarray(p, t + 4), p) === getU32(buf, t + 4)) return t - p;
    }
    return -1;
  }

  /**
   * Reads the block at `p` (size from blockAt) as a data block continuing after `last`;
   * undefined when it does not. Without the footer the scan runs on past the data region,
   * where the index block decodes like a data block (internal keys, block handles as
   * values): found, it is recorded in `indexAt` and is not data.
   */
  private tryBlock(buf: Uint8Array, p: number, size: number, last: SalvagedEntry | undefined): SalvagedEntry[] | undefined {
    try {
      const contents = decodeStoredBlock(buf.subarray(p, p + size + BLOCK_TRAILER_SIZE), { offset: p, size }, this.path, this.crypt(BlockType.Data), this.dict);
      const entries = this.decodeData(contents, p, last);
      const dataEnd = this.endUnknown ? TableSalvager.indexedEnd(entries, p) : -1;
      if (dataEnd >= 0) {
        this.indexAt = p;
        this.indexedEnd = dataEnd;
        return undefined;
      }
      return entries;
    } catch (err) {
      if (isLsmError(err, 'LSM_CORRUPTION') || isLsmError(err, 'LSM_NOT_SUPPORTED')) return undefined;
      throw err;
    }
  }

  /**
   * When `entries`, a block at `offset` that decoded as a data block, are an index (every
   * value a block handle -- two varints, nothing else --, the handles contiguous from
   * offset 0 and ending at or before `offset`): the end of the data region they index.
   * Else -1. Real data essentially never reads so.
   */
  private static indexedEnd(entries: readonly SalvagedEntry[], offset: number): number {
    let end = 0;
    for (const e of entries) {
      const v = e.value;
      if (getVarint64(v, 0, v.length) !== end) return -1;
      const size = getVarint64(v, cursor.pos, v.length);
      if (size < 0 || cursor.pos !== v.length) return -1;
      end += size + BLOCK_TRAILER_SIZE;
    }
    return end <= offset ? end : -1;
  }

  private *byScan(): Generator<SalvagedEntry> {
    const buf = this.region();
    const end = buf.length;
    let last: SalvagedEntry | undefined;
    let p = 0;
    while (p < end) {
      const size = TableSalvager.blockAt(buf, p, end);
      let entries = size < 0 ? undefined : this.tryBlock(buf, p, size, last);
      if (entries === undefined) {
        if (this.endUnknown && last !== undefined && size >= 0) break; // a meta block: the data region ended
        // Damage at p: the next block starts right after some later trailer.
        let next = -1;
        /** The first block after p that checks out (data or not). */
        let sound = -1;
        for (let t = p + 1; t + BLOCK_TRAILER_SIZE <= end && next < 0; t++) {
          if (buf[t]! > 2 || buf[t + 1]! > 1 || buf[t + 2] !== 0 || buf[t + 3] !== 0) continue;
          const s = t + BLOCK_TRAILER_SIZE;
          if (s >= end) break;
          const n = TableSalvager.blockAt(buf, s, end);
          if (n < 0) continue;
          if (sound < 0) sound = s;
          const got = this.tryBlock(buf, s, n, last);
          if (this.indexAt === s) {
            // The index: the data region ended before it, and everything from p was lost.
            this.report(p, Math.max(0, this.indexedEnd - p), last, undefined);
            this.bytesDone = end;
            return;
          }
          if (got !== undefined) {
            next = s;
            entries = got;
            this.report(p, s - p, last, got[0]);
            p = s;
            break;
          }
        }
        if (next < 0) {
          // No data block after p. Where the region's end is a guess, what follows the last
          // data block read may be the meta blocks: the stretch up to the first block that
          // checks out is reported (it may have been data: the last blocks, damaged).
          this.report(p, (this.endUnknown && last !== undefined && sound >= 0 ? sound : end) - p, last, undefined);
          this.bytesDone = end;
          return;
        }
      }
      const n = TableSalvager.blockAt(buf, p, end);
      for (const e of entries!) {
        this.entriesRead++;
        yield e;
      }
      last = entries![entries!.length - 1];
      p += n + BLOCK_TRAILER_SIZE;
      this.bytesDone = p;
    }
  }

  private report(offset: number, length: number, before: SalvagedEntry | undefined, after: SalvagedEntry | undefined): void {
    this.losses.push({
      offset,
      length,
      message: `${this.path}: ${length} bytes of the data region at offset ${offset} do not hold blocks that check out`,
      entries: true,
      rangeTombstones: false,
      from: before?.userKey ?? this.properties?.smallestKey,
      to: after?.userKey ?? this.properties?.largestKey,
    });
  }

  /** Closes the file. */
  close(): void {
    try {
      this.file.close();
    } catch {
      // read-only handle
    }
  }
}
