// tableVerify: walks every byte of a table the way a reader would and reports damage
// instead of stopping at the first problem: footer, properties, metaindex, index, every
// data block (checksum, decompression, entry structure, key order across the whole
// table), filters, range tombstones, the counts recorded in the properties, and the
// whole-file XXH64 over the bytes before the properties block. Used by `sst-dump verify`.

import { loadTableDictionary } from './dictionary/table-dictionary-reader.js';
import type { DictionaryDecompressor } from '@lsm/zstd-dictionary';
import { type EncryptionOptions, type KeyRing, BlockType, type FileCipher } from '@lsm/encryption';
import {
  FileHasher,
  bytewiseComparator,
  compareBytesAt,
  isBytewise,
  type Comparator,
  CorruptionError,
  isLsmError,
  LsmError,
  toIoError,
  getTrailerSeqno,
  TRAILER_SIZE,
} from '@lsm/base';
import type { Fs, FsFile } from '@lsm/fs';
import { BLOCK_TRAILER_SIZE, readBlock, readFully, openTableFile } from './block-io.js';
import { openTableCipher } from './table.js';
import { Block } from './block-reader.js';
import { DataBlockIter } from './data-block-iterator.js';
import { TableFilter } from './filter-block.js';
import { decodeFooter, FOOTER_SIZE, type Footer } from './footer.js';
import { IndexBlock } from './index-block.js';
import { decodeMetaindexBlock, MetaBlockName } from './metaindex-block.js';
import { decodePropertiesBlock, type TableProperties } from './properties.js';
import { decodeRangeTombstoneBlock } from './range-tombstone-block.js';
import type { BlockHandle } from './block-handle.js';

/** One problem found. */
export interface VerifyProblem {
  /** File offset of the damaged structure. */
  readonly offset: number;
  /** Error code: LSM_CORRUPTION, or LSM_NOT_SUPPORTED for well-formed data this version cannot read. */
  readonly code: string;
  readonly message: string;
}

/** What tableVerify found. */
export interface VerifyResult {
  readonly path: string;
  readonly ok: boolean;
  readonly fileSize: number;
  readonly problems: readonly VerifyProblem[];
  /** Blocks whose checksum was verified (data and meta). */
  readonly blocksChecked: number;
  readonly dataBlocks: number;
  /** Point entries walked. */
  readonly entries: number;
  /** True/false when the whole-file checksum was computed; undefined when it could not be. */
  readonly fileChecksumOk: boolean | undefined;
  /** False when key order could not be checked (custom comparator not supplied). */
  readonly orderChecked: boolean;
  readonly properties: TableProperties | undefined;
  /**
   * Smallest / largest seqno of the point entries and range tombstones read (undefined
   * when none could be read): to compare with what a manifest records for the table.
   */
  readonly smallestSeqno: number | undefined;
  readonly largestSeqno: number | undefined;
}

/** Options of tableVerify. */
export interface TableVerifyOptions {
  /** The table's comparator, when it is not bytewise (else key order is not checked). */
  comparator?: Comparator;
  /** Keys of an encrypted table. */
  encryption?: EncryptionOptions | KeyRing;
  /** The table's file number (encrypted tables are bound to it). */
  fileNumber?: number;
  /**
   * Called with every point entry of every data block that checks out, in order (views
   * valid during the call only; `blockOffset` is the file offset of its block): for
   * checks of the entries' contents, such as an engine checking blob pointers.
   */
  onEntry?: (userKey: Uint8Array, seqno: number, type: number, value: Uint8Array, blockOffset: number) => void;
}

/**
 * Verifies the table at `path`. Damage is reported in the result, not thrown; an Fs
 * failure throws IoError. Pass the table's comparator if it is not bytewise, or key
 * order is not checked.
 */
export function tableVerify(
  fs: Fs,
  path: string,
  options: TableVerifyOptions = {},
): VerifyResult {
  const file = openTableFile(fs, path);
  try {
    return new Verifier(file, path, options.comparator, options).run();
  } finally {
    try {
      file.close();
    } catch {
      // nothing useful to add
    }
  }
}

class Verifier {
  private readonly problems: VerifyProblem[] = [];
  private blocksChecked = 0;
  private dataBlocks = 0;
  private entries = 0;
  private fileSize = 0;
  private fileChecksumOk: boolean | undefined;
  private orderChecked = false;
  private properties: TableProperties | undefined;
  private cipher: FileCipher | undefined;
  private smallestSeqno: number | undefined;
  private largestSeqno: number | undefined;

  constructor(
    private readonly file: FsFile,
    private readonly path: string,
    private readonly comparator: Comparator | undefined,
    private readonly keys: TableVerifyOptions,
  ) {}

  private sawSeqno(seq: number): void {
    if (this.smallestSeqno === undefined || seq < this.smallestSeqno) this.smallestSeqno = seq;
    if (this.largestSeqno === undefined || seq > this.largestSeqno) this.largestSeqno = seq;
  }

  run(): VerifyResult {
    try {
      this.fileSize = this.file.size();
    } catch (err) {
      throw toIoError(err, `reading the size of ${this.path}`);
    }
    this.check(() => this.walk());
    return {
      path: this.path,
      ok: this.problems.length === 0,
      fileSize: this.fileSize,
      problems: this.problems,
      blocksChecked: this.blocksChecked,
      dataBlocks: this.dataBlocks,
      entries: this.entries,
      fileChecksumOk: this.fileChecksumOk,
      orderChecked: this.orderChecked,
      properties: this.properties,
      smallestSeqno: this.smallestSeqno,
      largestSeqno: this.largestSeqno,
    };
  }

  private walk(): void {
    const path = this.path;
    if (this.fileSize < FOOTER_SIZE) throw new CorruptionError(path, 0, `file is ${this.fileSize} bytes, too short to be a table`);
    const footerOffset = this.fileSize - FOOTER_SIZE;
    const fb = new Uint8Array(FOOTER_SIZE);
    readFully(this.file, path, fb, footerOffset);
    const footer = decodeFooter(fb, path, footerOffset);
    const propsOffset = footer.properties.offset;
    // Without the right key an encrypted table cannot be verified: that throws (InvalidArgumentError
    // for a missing key) or is reported (CorruptionError for a wrong key).
    const { cipher, limit } = openTableCipher(this.file, path, fb, footer, footerOffset, this.keys);
    this.cipher = cipher;

    const props = decodePropertiesBlock(this.block(footer.properties, limit, BlockType.Properties));
    this.properties = props;
    if (props.fileChecksumLength !== propsOffset) {
      this.report(new CorruptionError(path, propsOffset, `file checksum covers ${props.fileChecksumLength} bytes but the properties block starts at ${propsOffset}`));
    }
    this.check(() => this.verifyFileChecksum(props, propsOffset));

    let cmp: Comparator | undefined;
    if (this.comparator !== undefined && this.comparator.name === props.comparator) cmp = this.comparator;
    else if (props.comparator === bytewiseComparator.name) cmp = bytewiseComparator;
    this.orderChecked = cmp !== undefined;

    const metaRegion = (h: BlockHandle, what: string): boolean => {
      if (h.offset < props.dataSize || h.offset + h.size + BLOCK_TRAILER_SIZE > propsOffset) {
        this.report(new CorruptionError(path, h.offset, `${what} block handle points outside the meta region`));
        return false;
      }
      return true;
    };

    let meta = new Map<string, BlockHandle>();
    if (metaRegion(footer.metaindex, 'metaindex')) {
      this.check(() => {
        meta = decodeMetaindexBlock(this.block(footer.metaindex, propsOffset, BlockType.Metaindex));
      });
    }
    let dict: DictionaryDecompressor | undefined;
    const dh = meta.get(MetaBlockName.ZstdDictionary);
    if (dh === undefined || metaRegion(dh, MetaBlockName.ZstdDictionary)) {
      this.check(() => {
        dict = loadTableDictionary(this.file, path, meta, props, propsOffset, this.crypt(BlockType.ZstdDictionary));
        if (dh !== undefined) this.blocksChecked++;
      });
    }
    for (const [name, h] of meta) {
      if (!metaRegion(h, name)) continue;
      this.check(() => {
        if (name === MetaBlockName.Filter || name === MetaBlockName.PrefixFilter) {
          const type = name === MetaBlockName.Filter ? BlockType.Filter : BlockType.PrefixFilter;
          const bytes = readBlock(this.file, path, h, propsOffset, this.crypt(type));
          this.blocksChecked++;
          const f = TableFilter.from(bytes, path, h.offset);
          const expect = name === MetaBlockName.Filter ? props.filterKeyCount : props.prefixFilterKeyCount;
          if (f.keyCount !== expect) this.report(new CorruptionError(path, h.offset, `filter holds ${f.keyCount} keys, properties say ${expect}`));
        } else if (name === MetaBlockName.RangeTombstones) {
          const list = decodeRangeTombstoneBlock(this.block(h, propsOffset, BlockType.RangeTombstones), cmp);
          for (const t of list) this.sawSeqno(t.seqno);
          if (list.length !== props.rangeTombstoneCount) {
            this.report(new CorruptionError(path, h.offset, `range-tombstone block holds ${list.length}, properties say ${props.rangeTombstoneCount}`));
          }
        } else if (name === MetaBlockName.ZstdDictionary) {
          // checked above, before the data blocks that need it
        } else {
          // Unknown meta block: checksum only. (In an encrypted table its block type is
          // unknown, so it cannot be authenticated: reported as LSM_NOT_SUPPORTED.)
          readBlock(this.file, path, h, propsOffset);
          this.blocksChecked++;
        }
      });
    }

    if (!metaRegion(footer.index, 'index')) return;
    const index = new IndexBlock(this.block(footer.index, propsOffset, BlockType.Index), props.dataSize, false);
    if (index.count !== props.dataBlockCount) {
      this.report(new CorruptionError(path, footer.index.offset, `index lists ${index.count} data blocks, properties say ${props.dataBlockCount}`));
    }
    this.walkData(index, props, cmp, footer, dict);
  }

  private walkData(index: IndexBlock, props: TableProperties, cmp: Comparator | undefined, footer: Footer, dict: DictionaryDecompressor | undefined): void {
    const path = this.path;
    const compareAt = cmp === undefined || isBytewise(cmp) ? compareBytesAt : (b: Uint8Array, o: number, l: number, k: Uint8Array) => cmp.compare(b.subarray(o, o + l), k);
    const it = new DataBlockIter(compareAt);
    const counts = [0, 0, 0, 0, 0];
    let prevKey: Uint8Array | undefined;
    let prevSeq = 0;
    let first: Uint8Array | undefined;
    const onEntry = this.keys.onEntry;
    for (let i = 0; i < index.count; i++) {
      const h = index.handle(i);
      this.dataBlocks++;
      this.check(() => {
        const block = this.block(h, props.dataSize, BlockType.Data, dict);
        it.reset(block);
        it.seekToFirst();
        if (!it.valid()) throw new CorruptionError(path, h.offset, 'empty data block');
        for (; it.valid(); it.next()) {
          const uk = it.userKey();
          const seq = it.seqno();
          if (cmp !== undefined && prevKey !== undefined) {
            const c = cmp.compare(prevKey, uk);
            if (c > 0 || (c === 0 && prevSeq <= seq)) throw new CorruptionError(path, h.offset, 'keys out of order');
          }
          prevKey = uk.slice();
          prevSeq = seq;
          first ??= prevKey;
          counts[it.type()]!++;
          this.entries++;
          this.sawSeqno(seq);
          onEntry?.(uk, seq, it.type(), it.value(), h.offset);
        }
        if (cmp !== undefined && prevKey !== undefined) {
          // The block's separator must be >= its last key.
          const sep = index.separator(i);
          const ukLen = sep.length - TRAILER_SIZE;
          let c = compareAt(sep, 0, ukLen, prevKey);
          if (c === 0) c = prevSeq - getTrailerSeqno(sep, ukLen); // (user key equal) larger seqno sorts first
          if (c < 0) throw new CorruptionError(path, footer.index.offset, `index separator ${i} sorts before the last key of its block`);
        }
      });
    }
    const expect = (what: string, got: number, want: number): void => {
      if (got !== want) this.report(new CorruptionError(path, footer.properties.offset, `${what}: found ${got}, properties say ${want}`));
    };
    if (this.problems.length === 0) {
      expect('entries', this.entries, props.entryCount);
      expect('tombstones', counts[0]!, props.tombstoneCount);
      expect('values', counts[1]!, props.valueCount);
      expect('merge operands', counts[2]!, props.mergeCount);
      expect('weak tombstones', counts[3]!, props.weakTombstoneCount);
      expect('indirections', counts[4]!, props.indirectionCount);
      if (cmp !== undefined && first !== undefined && props.smallestKey !== undefined && cmp.compare(first, props.smallestKey) !== 0) {
        this.report(new CorruptionError(path, footer.properties.offset, 'smallest key differs from the properties'));
      }
      if (cmp !== undefined && prevKey !== undefined && props.largestKey !== undefined && cmp.compare(prevKey, props.largestKey) !== 0) {
        this.report(new CorruptionError(path, footer.properties.offset, 'largest key differs from the properties'));
      }
    }
  }

  private verifyFileChecksum(props: TableProperties, length: number): void {
    const h = new FileHasher();
    // At most 1 MiB, and no more than the file: a store's verify runs this for every table.
    const chunk = new Uint8Array(Math.max(1, Math.min(1 << 20, length)));
    for (let pos = 0; pos < length; pos += chunk.length) {
      const n = Math.min(chunk.length, length - pos);
      const view = chunk.subarray(0, n);
      readFully(this.file, this.path, view, pos);
      h.update(view);
    }
    const got = h.digestHex();
    this.fileChecksumOk = got === props.fileChecksum;
    if (!this.fileChecksumOk) {
      this.report(new CorruptionError(this.path, 0, `file checksum mismatch over bytes [0, ${length}): stored ${props.fileChecksum}, computed ${got}`));
    }
  }

  private crypt(type: number): { cipher: FileCipher; type: number } | undefined {
    return this.cipher === undefined ? undefined : { cipher: this.cipher, type };
  }

  private block(h: BlockHandle, limit: number, type: number, dict?: DictionaryDecompressor): Block {
    const b = new Block(readBlock(this.file, this.path, h, limit, this.crypt(type), dict), this.path, h.offset);
    this.blocksChecked++;
    return b;
  }

  /** Runs a step; records corruption / not-supported errors as problems, rethrows the rest. */
  private check(step: () => void): void {
    try {
      step();
    } catch (err) {
      if (isLsmError(err, 'LSM_CORRUPTION') || isLsmError(err, 'LSM_NOT_SUPPORTED')) this.report(err);
      else throw err;
    }
  }

  private report(err: LsmError): void {
    const offset = err instanceof CorruptionError ? err.offset : -1;
    this.problems.push({ offset, code: err.code, message: err.message });
  }
}
