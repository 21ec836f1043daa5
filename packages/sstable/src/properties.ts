// The properties block: what a table holds, for the engine (key/seqno ranges, counts,
// sizes), for tools (sst-dump), and for whole-file verification (the file checksum).
// Stored as a block of name -> value entries sorted bytewise by name; numbers are varint64,
// strings UTF-8, keys raw bytes. Readers ignore unknown names (newer writers may add
// some) and report a missing required name as corruption.

import { BlockBuilder } from './block-builder.js';
import { decodeBlockEntries, type Block } from './block-reader.js';
import { cursor, getVarint64, putVarint, compareBytes } from '@lsm/base';
import type { CompressionType } from './compression.js';

/** Everything recorded about a table. Keys are user keys. */
export interface TableProperties {
  /** On-disk format version (also in the footer). */
  readonly formatVersion: number;
  /** Name of the comparator the table is sorted by. */
  readonly comparator: string;
  /** Compression the writer was configured with ('none' | 'zstd'; blocks that did not shrink are stored raw). */
  readonly compression: CompressionType | (string & {});
  readonly compressionLevel: number;
  /** Point entries, all types. */
  readonly entryCount: number;
  readonly valueCount: number;
  readonly tombstoneCount: number;
  readonly weakTombstoneCount: number;
  readonly mergeCount: number;
  readonly indirectionCount: number;
  readonly rangeTombstoneCount: number;
  /** Smallest / largest point-entry user key (undefined when there are no point entries). */
  readonly smallestKey: Uint8Array | undefined;
  readonly largestKey: Uint8Array | undefined;
  /** Smallest range-tombstone start / largest range-tombstone end (exclusive); undefined when none. */
  readonly smallestRangeTombstoneStart: Uint8Array | undefined;
  readonly largestRangeTombstoneEnd: Uint8Array | undefined;
  /** Seqno range over point entries and range tombstones (both 0 for an empty table). */
  readonly smallestSeqno: number;
  readonly largestSeqno: number;
  /** Sum of user-key lengths / value lengths of point entries, as given to the writer. */
  readonly rawKeyBytes: number;
  readonly rawValueBytes: number;
  /** Bytes of data blocks on disk, trailers included (= offset where meta blocks start). */
  readonly dataSize: number;
  /** Bytes of data block contents before compression. */
  readonly uncompressedDataSize: number;
  readonly dataBlockCount: number;
  /** Data blocks stored zstd-compressed, with or without the dictionary (the rest were stored raw). */
  readonly compressedDataBlockCount: number;
  /** Id of the table's zstd dictionary (0 for a raw-content one, or when there is none). */
  readonly dictionaryId: number;
  /** Bytes of the table's zstd dictionary, uncompressed; 0 when the table has none. */
  readonly dictionarySize: number;
  /** On-disk sizes of the other blocks, trailers included (0 when absent). */
  readonly indexSize: number;
  readonly filterSize: number;
  readonly prefixFilterSize: number;
  readonly rangeTombstoneSize: number;
  /** 0: a single binary-searched index block (a partitioned index would be 1). */
  readonly indexType: number;
  /** Distinct user keys in the whole-key filter (0 when there is none). */
  readonly filterKeyCount: number;
  /** Distinct prefixes in the prefix filter, and the extractor's name ('' when none). */
  readonly prefixFilterKeyCount: number;
  readonly prefixExtractor: string;
  /** Writer settings. */
  readonly blockSize: number;
  readonly restartInterval: number;
  /** Milliseconds since the epoch when the writer finished. */
  readonly creationTime: number;
  /** XXH64 (16 hex digits) of file bytes [0, fileChecksumLength): everything before the properties block. */
  readonly fileChecksum: string;
  readonly fileChecksumLength: number;
}

type Kind = 'u' | 's' | 'b' | 'ob' | 'ou';
type Field = keyof TableProperties;

/**
 * name on disk, kind, field. Kind 'u' = varint64, 's' = string, 'b' = bytes, 'ob' =
 * optional bytes, 'ou' = optional varint64 (absent means 0, and 0 is never written, so
 * tables without the feature keep their exact bytes).
 */
const SCHEMA: ReadonlyArray<readonly [string, Kind, Field]> = [
  ['lsm.block.restart_interval', 'u', 'restartInterval'],
  ['lsm.block.size', 'u', 'blockSize'],
  ['lsm.comparator', 's', 'comparator'],
  ['lsm.compression', 's', 'compression'],
  ['lsm.compression.dictionary.id', 'ou', 'dictionaryId'],
  ['lsm.compression.dictionary.size', 'ou', 'dictionarySize'],
  ['lsm.compression.level', 'u', 'compressionLevel'],
  ['lsm.creation.time', 'u', 'creationTime'],
  ['lsm.data.blocks', 'u', 'dataBlockCount'],
  ['lsm.data.blocks.compressed', 'u', 'compressedDataBlockCount'],
  ['lsm.data.size', 'u', 'dataSize'],
  ['lsm.data.size.uncompressed', 'u', 'uncompressedDataSize'],
  ['lsm.file.checksum.length', 'u', 'fileChecksumLength'],
  ['lsm.file.checksum.xxh64', 's', 'fileChecksum'],
  ['lsm.filter.keys', 'u', 'filterKeyCount'],
  ['lsm.filter.size', 'u', 'filterSize'],
  ['lsm.format.version', 'u', 'formatVersion'],
  ['lsm.index.size', 'u', 'indexSize'],
  ['lsm.index.type', 'u', 'indexType'],
  ['lsm.key.largest', 'ob', 'largestKey'],
  ['lsm.key.smallest', 'ob', 'smallestKey'],
  ['lsm.num.entries', 'u', 'entryCount'],
  ['lsm.num.indirections', 'u', 'indirectionCount'],
  ['lsm.num.merges', 'u', 'mergeCount'],
  ['lsm.num.range_tombstones', 'u', 'rangeTombstoneCount'],
  ['lsm.num.tombstones', 'u', 'tombstoneCount'],
  ['lsm.num.values', 'u', 'valueCount'],
  ['lsm.num.weak_tombstones', 'u', 'weakTombstoneCount'],
  ['lsm.prefix_extractor', 's', 'prefixExtractor'],
  ['lsm.prefix_filter.keys', 'u', 'prefixFilterKeyCount'],
  ['lsm.prefix_filter.size', 'u', 'prefixFilterSize'],
  ['lsm.range_tombstone.end.largest', 'ob', 'largestRangeTombstoneEnd'],
  ['lsm.range_tombstone.start.smallest', 'ob', 'smallestRangeTombstoneStart'],
  ['lsm.range_tombstone.size', 'u', 'rangeTombstoneSize'],
  ['lsm.raw.key.bytes', 'u', 'rawKeyBytes'],
  ['lsm.raw.value.bytes', 'u', 'rawValueBytes'],
  ['lsm.seqno.largest', 'u', 'largestSeqno'],
  ['lsm.seqno.smallest', 'u', 'smallestSeqno'],
];

const utf8 = new TextEncoder();
const utf8d = new TextDecoder('utf-8', { fatal: true });

/** Encodes properties as a block. */
export function buildPropertiesBlock(p: TableProperties): Uint8Array {
  const entries: Array<{ key: Uint8Array; value: Uint8Array }> = [];
  for (const [name, kind, field] of SCHEMA) {
    const v = p[field];
    let value: Uint8Array;
    if (kind === 'u' || kind === 'ou') {
      if (kind === 'ou' && (v === 0 || v === undefined)) continue;
      const buf = new Uint8Array(10);
      value = buf.subarray(0, putVarint(buf, 0, v as number));
    } else if (kind === 's') {
      value = utf8.encode(v as string);
    } else {
      if (v === undefined) continue;
      value = v as Uint8Array;
    }
    entries.push({ key: utf8.encode(name), value });
  }
  entries.sort((a, b) => compareBytes(a.key, b.key));
  const b = new BlockBuilder(1);
  for (const e of entries) b.add(e.key, e.key.length, e.value);
  return b.finish().slice();
}

/** Decodes a properties block; missing or malformed required entries are corruption. */
export function decodePropertiesBlock(block: Block): TableProperties {
  const byName = new Map<string, Uint8Array>();
  for (const e of decodeBlockEntries(block)) {
    let name: string;
    try {
      name = utf8d.decode(e.key);
    } catch {
      throw block.corrupt('property name is not UTF-8');
    }
    byName.set(name, e.value);
  }
  const out: Record<string, unknown> = {};
  for (const [name, kind, field] of SCHEMA) {
    const v = byName.get(name);
    if (v === undefined) {
      if (kind === 'ob' || kind === 'ou') {
        out[field] = kind === 'ob' ? undefined : 0;
        continue;
      }
      throw block.corrupt(`property ${name} is missing`);
    }
    if (kind === 'u' || kind === 'ou') {
      const n = getVarint64(v, 0, v.length);
      if (n < 0 || cursor.pos !== v.length) throw block.corrupt(`property ${name} is not a valid number`);
      out[field] = n;
    } else if (kind === 's') {
      try {
        out[field] = utf8d.decode(v);
      } catch {
        throw block.corrupt(`property ${name} is not UTF-8`);
      }
    } else {
      out[field] = v.slice();
    }
  }
  const p = out as unknown as TableProperties;
  if (!/^[0-9a-f]{16}$/.test(p.fileChecksum)) throw block.corrupt('malformed file checksum property');
  return p;
}
