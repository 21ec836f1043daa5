// trainDictionary and its parts: deterministic, useful on structured data (a dictionary
// beats none on held-out blocks, entropy tables beat raw content), accepted by zstd (the
// structured dictionary loads, its id is read back), within maxBytes, and bad arguments
// are LSM_INVALID_ARGUMENT naming the option.

import zstd from 'zstd-napi/binding.js';
import { describe, expect, it } from 'vitest';
import { makeBlocks } from '../bench/dict-data.js';
import { fseDecodingTable, fseEncodeTwoStates, normalizeCounts, writeFseTableDescription } from '../src/dictionary/fse-table-description.js';
import { huffmanCodeLengths } from '../src/dictionary/huffman-table-description.js';
import { literalLengthCode, matchLengthCode, offsetCode } from '../src/dictionary/sequence-statistics.js';
import { dictionaryIdOf, ZSTD_DICTIONARY_MAGIC } from '../src/dictionary/zstd-dictionary-codec.js';
import { compressedSize, trainDictionary } from '../src/dictionary/zstd-dictionary-trainer.js';
import { expectLsmError, Rng, testSeed, withSeed } from './helpers.js';

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
    expect(new zstd.DDict(dict).getDictID()).toBe(id);
    expect(new zstd.CDict(dict, 3).getDictID()).toBe(id);
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
    new zstd.DDict(zeros.length > 0 ? zeros : new Uint8Array(8));
  });

  it('rejects bad arguments naming them', () => {
    expect(expectLsmError(() => trainDictionary(train, { maxBytes: 100 }), 'LSM_INVALID_ARGUMENT').message).toMatch(/maxBytes/);
    expect(expectLsmError(() => trainDictionary(train, { maxBytes: 4096, level: 99 }), 'LSM_INVALID_ARGUMENT').message).toMatch(/level/);
    expect(expectLsmError(() => trainDictionary([1 as never], { maxBytes: 4096 }), 'LSM_INVALID_ARGUMENT').message).toMatch(/samples/);
    expect(expectLsmError(() => trainDictionary(train, { maxBytes: 4096, segmentSizes: [3] }), 'LSM_INVALID_ARGUMENT').message).toMatch(/segmentSizes/);
    expect(expectLsmError(() => trainDictionary(train, { maxBytes: 4096, dmerSizes: [7 as 6] }), 'LSM_INVALID_ARGUMENT').message).toMatch(/dmerSizes/);
  });
});

describe('entropy table pieces', () => {
  it('sequence codes follow RFC 8878', () => {
    expect([0, 15, 16, 17, 18, 63, 64, 131072].map(literalLengthCode)).toEqual([0, 15, 16, 16, 17, 23, 24, 35]);
    expect([3, 34, 35, 36, 37, 130, 131, 65539].map(matchLengthCode)).toEqual([0, 31, 32, 32, 33, 42, 43, 52]);
    expect([1, 2, 3, 4, 7, 8, 1 << 20].map(offsetCode)).toEqual([0, 1, 1, 2, 2, 3, 20]);
  });

  it('normalized counts sum to the table size, each at least 1 (model-based)', () => {
    withSeed(testSeed(101), (rng) => {
      for (let t = 0; t < 200; t++) {
        const n = 1 + rng.int(53);
        const log = Math.max(6, 32 - Math.clz32(n));
        const counts = Array.from({ length: n }, () => (rng.bool(0.3) ? 0 : rng.int(100000)));
        const p = normalizeCounts(counts, log);
        expect(p.reduce((a, b) => a + b, 0)).toBe(1 << log);
        expect(Math.min(...p)).toBeGreaterThanOrEqual(1);
        expect(writeFseTableDescription(p, log).length).toBeGreaterThan(0);
      }
    });
  });

  it('the two-state FSE stream decodes back to its symbols (model-based)', () => {
    withSeed(testSeed(202), (rng) => {
      for (let t = 0; t < 200; t++) {
        const nsym = 2 + rng.int(11);
        const symbols = Array.from({ length: 2 + rng.int(254) }, () => rng.int(nsym));
        const counts = new Array<number>(nsym).fill(0);
        for (const s of symbols) counts[s]!++;
        const probs = normalizeCounts(counts, 6);
        const stream = fseEncodeTwoStates(symbols, probs, 6);
        expect(stream).toBeDefined();
        expect(decodeTwoStates(stream!, probs, 6)).toEqual(symbols);
      }
    });
  });

  it('Huffman code lengths form a complete code of at most 11 bits', () => {
    const rng = new Rng(testSeed(303));
    for (let t = 0; t < 50; t++) {
      const counts = Array.from({ length: 256 }, () => (rng.bool(0.5) ? 0 : rng.int(2 ** rng.int(24))));
      const lengths = huffmanCodeLengths(counts);
      let kraft = 0;
      for (const l of lengths) {
        expect(l).toBeGreaterThanOrEqual(1);
        expect(l).toBeLessThanOrEqual(11);
        kraft += 2 ** -l;
      }
      expect(kraft).toBeCloseTo(1, 12);
    }
  });
});

/** A decoder written from RFC 8878 (Huffman weights: two states, backward bit stream). */
function decodeTwoStates(stream: Uint8Array, probs: Int32Array, log: number): number[] {
  const t = fseDecodingTable(probs, log);
  const last = stream[stream.length - 1]!;
  let bitPos = (stream.length - 1) * 8 + (31 - Math.clz32(last)); // bits below the end mark
  let overflow = false;
  const read = (n: number): number => {
    let v = 0;
    for (let i = 0; i < n; i++) {
      bitPos--;
      const bit = bitPos >= 0 ? (stream[bitPos >> 3]! >> (bitPos & 7)) & 1 : 0;
      if (bitPos < 0) overflow = true;
      v = (v << 1) | bit;
    }
    return v;
  };
  const states = [read(log), read(log)];
  const out: number[] = [];
  for (let k = 0; out.length < 1000; k ^= 1) {
    const s = states[k]!;
    out.push(t.symbol[s]!);
    states[k] = t.base[s]! + read(t.nbBits[s]!);
    if (overflow) {
      out.push(t.symbol[states[k ^ 1]!]!);
      break;
    }
  }
  return out;
}
