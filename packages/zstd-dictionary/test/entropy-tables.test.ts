// The pieces of a structured zstd dictionary that trainDictionary builds, checked against
// RFC 8878: sequence codes, normalized FSE counts and the two-state FSE stream (decoded
// back by a decoder written from the RFC), and Huffman code lengths (a complete code of
// at most 11 bits). Seeded (LSM_TEST_SEED replays). trainDictionary itself is tested on
// table data blocks in @lsm/sstable (dictionary-trainer.test.ts).

import { describe, expect, it } from 'vitest';
import { Rng, testSeed, withSeed } from '@lsm/base/testing';
import { fseDecodingTable, fseEncodeTwoStates, normalizeCounts, writeFseTableDescription } from '../src/fse-table-description.js';
import { huffmanCodeLengths } from '../src/huffman-table-description.js';
import { literalLengthCode, matchLengthCode, offsetCode } from '../src/sequence-statistics.js';

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
