// The header checks of parse() at the edges of every range FORMAT.md allows, on
// hand-made filters: each edge value is accepted and probes safely, each value just past
// it is rejected as LSM_CORRUPTION with the byte offset of the field and a message
// naming the bad value.

import { describe, expect, it } from 'vitest';
import { FilterError, FilterReader } from '../src/index.js';
import { HEADER_BYTES, LAYER_DESCRIPTOR_BYTES, MAGIC, serializedSize, type LayerDescriptor } from '../src/format.js';
import { expectFilterError, randomKeys } from './helpers.js';

interface Shape {
  r?: number;
  logB?: number;
  keyCount?: number;
  cutA?: number;
  cutB?: number;
  layers?: LayerDescriptor[];
  /** Bytes added to (or, negative, removed from) the exact size. */
  extra?: number;
}

/** A filter with the given header and descriptors, zero threshold and solution words. */
function craft(shape: Shape = {}): Uint8Array {
  const r = shape.r ?? 7;
  const logB = shape.logB ?? 7;
  const layers = shape.layers ?? [{ numSlots: 96, seed: 1, keyCount: 3 }];
  const keyCount = shape.keyCount ?? layers.reduce((s, l) => s + l.keyCount, 0);
  const out = new Uint8Array(serializedSize(r, logB, layers) + (shape.extra ?? 0));
  const dv = new DataView(out.buffer);
  dv.setUint32(0, MAGIC, true);
  out[4] = 1;
  out[5] = r;
  out[6] = logB;
  out[7] = layers.length;
  dv.setUint32(8, keyCount, true);
  dv.setUint16(12, shape.cutA ?? 0, true);
  dv.setUint16(14, shape.cutB ?? 0, true);
  layers.forEach((l, i) => {
    const at = HEADER_BYTES + LAYER_DESCRIPTOR_BYTES * i;
    dv.setUint32(at, l.numSlots, true);
    dv.setUint32(at + 4, l.seed, true);
    dv.setUint32(at + 8, l.keyCount, true);
  });
  return out;
}

const probes = randomKeys(300, 41);

/** Loads the bytes and probes them: every answer must be a boolean. */
function accepted(bytes: Uint8Array): FilterReader {
  const reader = FilterReader.from(bytes);
  for (let i = 0; i < probes.length; i += 2) expect(typeof reader.mayContainHash(probes[i]!, probes[i + 1]!)).toBe('boolean');
  return reader;
}

function rejected(bytes: Uint8Array, offset: number, message: string): void {
  const err = expectFilterError(() => FilterReader.from(bytes), 'LSM_CORRUPTION', message);
  expect(err.offset).toBe(offset);
  expect(err.message).toBe(`LSM_CORRUPTION: ${message} (at byte offset ${offset})`);
}

describe('parse: header ranges', () => {
  it('fingerprint bits: 1 and 32 are accepted, 0 and 33 are not', () => {
    expect(accepted(craft({ r: 1 })).fingerprintBits).toBe(1);
    expect(accepted(craft({ r: 32 })).fingerprintBits).toBe(32);
    rejected(craft({ r: 0 }), 5, 'fingerprint bits 0 out of range 1..32');
    rejected(craft({ r: 33 }), 5, 'fingerprint bits 33 out of range 1..32');
  });

  it('log2 bucket size: 1 and 16 are accepted, 0 and 17 are not', () => {
    accepted(craft({ logB: 1, cutA: 1, cutB: 2 }));
    accepted(craft({ logB: 16, cutA: 17, cutB: 65_535 }));
    // The bucket size decides the threshold sections' length: check it with two layers.
    const two = [{ numSlots: 96 + 32 * 40, seed: 1, keyCount: 1 }, { numSlots: 96, seed: 2, keyCount: 1 }];
    accepted(craft({ logB: 1, layers: two }));
    accepted(craft({ logB: 16, layers: two }));
    rejected(craft({ logB: 0 }), 6, 'log2 bucket size 0 out of range 1..16');
    rejected(craft({ logB: 17 }), 6, 'log2 bucket size 17 out of range 1..16');
  });

  it('threshold cuts: cutA <= cutB <= B', () => {
    accepted(craft({ logB: 1, cutA: 2, cutB: 2 }));
    accepted(craft({ logB: 7, cutA: 0, cutB: 128 }));
    rejected(craft({ logB: 7, cutA: 18, cutB: 17 }), 12, 'threshold cuts out of order (18 > 17)');
    rejected(craft({ logB: 7, cutA: 17, cutB: 129 }), 14, 'threshold cut 129 exceeds bucket size 128');
    rejected(craft({ logB: 1, cutA: 0, cutB: 3 }), 14, 'threshold cut 3 exceeds bucket size 2');
  });

  it('layer count: 0 only for no keys, else 1..16', () => {
    const empty = craft({ layers: [] });
    expect(empty.length).toBe(16);
    const reader = accepted(empty);
    expect(reader.keyCount).toBe(0);
    expect(reader.mayContainHash(1, 2)).toBe(false);
    const sixteen = Array.from({ length: 16 }, (_, i) => ({ numSlots: 96, seed: i, keyCount: 1 }));
    expect(accepted(craft({ layers: sixteen })).keyCount).toBe(16);
    const seventeen = [...sixteen, { numSlots: 96, seed: 16, keyCount: 1 }];
    rejected(craft({ layers: seventeen }), 7, 'layer count 17 invalid for 17 keys (1..16, or 0 for an empty filter)');
    rejected(craft({ layers: [], keyCount: 5 }), 7, 'layer count 0 invalid for 5 keys (1..16, or 0 for an empty filter)');
    rejected(craft({ layers: [{ numSlots: 96, seed: 1, keyCount: 0 }], keyCount: 0 }), 7, 'layer count 1 invalid for 0 keys (1..16, or 0 for an empty filter)');
  });

  it('slot counts: multiples of 32 in 96..2^31-32', () => {
    accepted(craft({ layers: [{ numSlots: 96, seed: 1, keyCount: 1 }] }));
    accepted(craft({ layers: [{ numSlots: 128, seed: 1, keyCount: 1 }] }));
    rejected(craft({ layers: [{ numSlots: 64, seed: 1, keyCount: 1 }] }), 16, 'layer 0: slot count 64 is not a multiple of 32 in 96..2147483616');
    rejected(craft({ layers: [{ numSlots: 112, seed: 1, keyCount: 1 }] }), 16, 'layer 0: slot count 112 is not a multiple of 32 in 96..2147483616');
    // The largest count passes the range check and then fails the length check.
    const largest = craft({ layers: [{ numSlots: 96, seed: 1, keyCount: 1 }] });
    new DataView(largest.buffer).setUint32(16, 0x7fffffe0, true);
    rejected(largest, largest.length, `truncated: layer 0 ends at byte ${28 + 0x7fffffe0 / 32 * 7 * 4} but the filter has ${largest.length} bytes`);
    new DataView(largest.buffer).setUint32(16, 0x80000000, true);
    rejected(largest, 16, 'layer 0: slot count 2147483648 is not a multiple of 32 in 96..2147483616');
    // The message and offset name the damaged layer.
    const two = craft({ layers: [{ numSlots: 96, seed: 1, keyCount: 1 }, { numSlots: 96, seed: 2, keyCount: 1 }] });
    new DataView(two.buffer).setUint32(28, 100, true);
    rejected(two, 28, 'layer 1: slot count 100 is not a multiple of 32 in 96..2147483616');
  });

  it('key counts: the layers must add up to the header exactly', () => {
    const layers = [{ numSlots: 96, seed: 1, keyCount: 2 }, { numSlots: 96, seed: 2, keyCount: 2 }];
    rejected(craft({ layers, keyCount: 3 }), 36, "layer 1: key counts add up to more than the filter's 3");
    rejected(craft({ layers, keyCount: 1 }), 24, "layer 0: key counts add up to more than the filter's 1");
    rejected(craft({ layers, keyCount: 5 }), 8, 'layer key counts add up to 4, header says 5');
    expect(accepted(craft({ layers, keyCount: 4 })).keyCount).toBe(4);
  });
});

describe('parse: lengths', () => {
  it('names the truncated or mismatched length', () => {
    const good = craft({ layers: [{ numSlots: 96, seed: 1, keyCount: 1 }, { numSlots: 96, seed: 2, keyCount: 1 }] });
    expect(good.length).toBe(16 + 24 + 4 + 84 + 84);
    rejected(good.subarray(0, 10), 10, 'truncated header: 10 bytes, need at least 16');
    rejected(good.subarray(0, 30), 30, 'truncated layer descriptors: 30 bytes, need 40');
    rejected(good.subarray(0, 100), 100, 'truncated: layer 0 ends at byte 128 but the filter has 100 bytes');
    rejected(good.subarray(0, 200), 200, 'truncated: layer 1 ends at byte 212 but the filter has 200 bytes');
    rejected(craft({ layers: [{ numSlots: 96, seed: 1, keyCount: 1 }], extra: 4 }), 112, 'length mismatch: parameters describe 112 bytes, got 116');
  });

  it('names a bad magic (eight hex digits) and an unknown version', () => {
    const b = craft();
    new DataView(b.buffer).setUint32(0, 0x7542, true);
    rejected(b, 0, 'bad magic 0x00007542, expected "BuRR"');
    const v = craft();
    v[4] = 2;
    rejected(v, 4, 'unsupported format version 2 (this reader knows 1)');
  });

  it('a non-Uint8Array is rejected without an offset', () => {
    const err = expectFilterError(() => FilterReader.from([1, 2, 3] as unknown as Uint8Array), 'LSM_CORRUPTION');
    expect(err.offset).toBeUndefined();
    expect(err.message).toBe('LSM_CORRUPTION: filter bytes must be a Uint8Array');
    expect(err).toBeInstanceOf(FilterError);
    expect(err.name).toBe('FilterError');
  });
});

describe('layerInfo', () => {
  it('reports each layer as its descriptor and section sizes say', () => {
    const layers = [{ numSlots: 96 + 32 * 200, seed: 0xdeadbeef, keyCount: 5 }, { numSlots: 128, seed: 7, keyCount: 2 }];
    const info = accepted(craft({ r: 3, logB: 7, layers })).layerInfo();
    // Layer 0: 6432 slots, 6368 starts, 50 buckets of 128, 4 threshold words.
    expect(info).toEqual([
      { slots: 6496, keys: 5, seed: 0xdeadbeef, thresholdBytes: 16, solutionBytes: (6496 / 32) * 3 * 4 },
      { slots: 128, keys: 2, seed: 7, thresholdBytes: 0, solutionBytes: 4 * 3 * 4 },
    ]);
  });
});
