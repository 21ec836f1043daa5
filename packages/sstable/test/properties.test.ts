import { describe, expect, it } from 'vitest';
import { BlockBuilder } from '../src/block-builder.js';
import { Block } from '../src/block-reader.js';
import { CorruptionError } from '@lsm/base';
import { b } from '@lsm/base/testing';
import { buildPropertiesBlock, decodePropertiesBlock, type TableProperties } from '../src/properties.js';

export const sampleProps: TableProperties = {
  formatVersion: 1,
  comparator: 'lsm.BytewiseComparator',
  compression: 'zstd',
  compressionLevel: 3,
  entryCount: 10,
  valueCount: 5,
  tombstoneCount: 1,
  weakTombstoneCount: 1,
  mergeCount: 2,
  indirectionCount: 1,
  rangeTombstoneCount: 2,
  smallestKey: b('a'),
  largestKey: b('z'),
  smallestRangeTombstoneStart: b('b'),
  largestRangeTombstoneEnd: b('q'),
  smallestSeqno: 3,
  largestSeqno: 2 ** 53 - 1,
  rawKeyBytes: 100,
  rawValueBytes: 2 ** 40,
  dataSize: 4000,
  uncompressedDataSize: 9000,
  dataBlockCount: 2,
  compressedDataBlockCount: 1,
  dictionaryId: 0,
  dictionarySize: 0,
  indexSize: 50,
  filterSize: 30,
  prefixFilterSize: 0,
  rangeTombstoneSize: 40,
  indexType: 0,
  filterKeyCount: 8,
  prefixFilterKeyCount: 0,
  prefixExtractor: '',
  blockSize: 4096,
  restartInterval: 16,
  creationTime: 1_700_000_000_000,
  fileChecksum: '0123456789abcdef',
  fileChecksumLength: 4120,
};

describe('properties block', () => {
  it('round-trips every field', () => {
    const bytes = buildPropertiesBlock(sampleProps);
    expect(decodePropertiesBlock(new Block(bytes, 'f', 0))).toEqual(sampleProps);
  });

  it('omits absent optional keys', () => {
    const p = { ...sampleProps, smallestKey: undefined, largestKey: undefined, smallestRangeTombstoneStart: undefined, largestRangeTombstoneEnd: undefined };
    expect(decodePropertiesBlock(new Block(buildPropertiesBlock(p), 'f', 0))).toEqual(p);
  });

  it('ignores unknown names and reports missing required ones', () => {
    const bb = new BlockBuilder(1);
    const k = b('aaa.unknown');
    bb.add(k, k.length, b('x'));
    expect(() => decodePropertiesBlock(new Block(bb.finish().slice(), 'f', 9))).toThrow(CorruptionError);
  });
});
