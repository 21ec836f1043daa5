// trainDictionary (@lsm/zstd-dictionary) on this package's data blocks: deterministic,
// useful on structured data (a dictionary beats none on held-out blocks, entropy tables
// beat raw content), accepted by zstd (the structured dictionary loads, its id is read
// back), within maxBytes, and bad arguments are LSM_INVALID_ARGUMENT naming the option.
// The samples are data blocks built by the table's own block builder (bench/dict-data.ts),
// which is why these tests live here and not in @lsm/zstd-dictionary; the trainer's
// entropy-table pieces are tested there.

import { describe, expect, it } from 'vitest';
import { makeBlocks } from '../bench/dict-data.js';
import { dictionaryIdOf, ZSTD_DICTIONARY_MAGIC, compressedSize, trainDictionary } from '@lsm/zstd-dictionary';
import { expectLsmError } from '@lsm/base/testing';
import { loadNativeZstd, loadWasmZstd } from '@lsm/zstd';

const blocks = makeBlocks(9, 160);
const train = blocks.slice(0, 120);
const heldOut = blocks.slice(120);

describe('trainDictionary', () => {
  const dict = trainDictionary(train, { maxBytes: 8192 });

  it('is deterministic', () => {
    expect(Buffer.from(trainDictionary(train, { maxBytes: 8192 })).equals(Buffer.from(dict))).toBe(true);
  });

  it('builds a structured zstd dictionary within maxBytes that zstd accepts', () => {
    expect(dict.length).toBeLessThanOrEqual(8192);
    expect(dict.length).toBeGreaterThan(4096);
    expect(new DataView(dict.buffer, dict.byteOffset).getUint32(0, true)).toBe(ZSTD_DICTIONARY_MAGIC);
    const id = dictionaryIdOf(dict);
    expect(id).toBeGreaterThanOrEqual(32768);
    for (const z of [loadNativeZstd(), loadWasmZstd()]) expect(z.dictionaryDecompressor(dict, { magicless: true }).dictionaryId).toBe(id);
  });

  it('helps on held-out structured blocks, and entropy tables help beyond raw content', () => {
    const none = compressedSize(new Uint8Array(0), heldOut, 3);
    const raw = trainDictionary(train, { maxBytes: 8192, entropyTables: false });
    expect(dictionaryIdOf(raw)).toBe(0);
    const withRaw = compressedSize(raw, heldOut, 3);
    const withDict = compressedSize(dict, heldOut, 3);
    expect(withRaw).toBeLessThan(none * 0.7);
    expect(withDict).toBeLessThan(withRaw);
  });

  it('handles tiny, empty and odd sample sets', () => {
    expect(trainDictionary([], { maxBytes: 1024 }).length).toBe(0);
    expect(trainDictionary([new Uint8Array(10)], { maxBytes: 1024 }).length).toBe(0);
    const one = trainDictionary([blocks[0]!], { maxBytes: 1024 });
    expect(one.length).toBeLessThanOrEqual(1024);
    const zeros = trainDictionary([new Uint8Array(5000), new Uint8Array(5000)], { maxBytes: 1024 });
    expect(zeros.length).toBeLessThanOrEqual(1024);
    for (const z of [loadNativeZstd(), loadWasmZstd()]) z.dictionaryDecompressor(zeros.length > 0 ? zeros : new Uint8Array(8), { magicless: true });
  });

  it('rejects bad arguments naming them', () => {
    expect(expectLsmError(() => trainDictionary(train, { maxBytes: 100 }), 'LSM_INVALID_ARGUMENT').message).toMatch(/maxBytes/);
    expect(expectLsmError(() => trainDictionary(train, { maxBytes: 4096, level: 99 }), 'LSM_INVALID_ARGUMENT').message).toMatch(/level/);
    expect(expectLsmError(() => trainDictionary([1 as never], { maxBytes: 4096 }), 'LSM_INVALID_ARGUMENT').message).toMatch(/samples/);
    expect(expectLsmError(() => trainDictionary(train, { maxBytes: 4096, segmentSizes: [3] }), 'LSM_INVALID_ARGUMENT').message).toMatch(/segmentSizes/);
    expect(expectLsmError(() => trainDictionary(train, { maxBytes: 4096, dmerSizes: [7 as 6] }), 'LSM_INVALID_ARGUMENT').message).toMatch(/dmerSizes/);
  });
});
