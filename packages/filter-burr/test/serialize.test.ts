// toBytes() / FilterReader.from() round trips, the reader being a view (no copy), and the
// format staying byte-for-byte stable (a golden hash guards against silent changes).

import { describe, expect, it } from 'vitest';
import { build, FilterReader, hash64 } from '../src/index.js';
import { randomKeys, rng } from './helpers.js';

const hex = (h: { hi: number; lo: number }): string =>
  h.hi.toString(16).padStart(8, '0') + h.lo.toString(16).padStart(8, '0');

describe('serialization', () => {
  it('round trip: the reader answers exactly like the built filter', () => {
    for (const [n, r] of [[0, 7], [1, 1], [700, 9], [30_000, 7], [30_000, 32]] as const) {
      const keys = randomKeys(n, n + r);
      const f = build(keys, { fingerprintBits: r, seed: 9 });
      const reader = FilterReader.from(f.toBytes());
      expect(reader.keyCount).toBe(f.keyCount);
      expect(reader.fingerprintBits).toBe(r);
      expect(reader.byteLength).toBe(f.byteLength);
      for (let i = 0; i < n; i++) expect(reader.mayContainHash(keys[2 * i]!, keys[2 * i + 1]!)).toBe(true);
      const next = rng(n);
      for (let i = 0; i < 100_000; i++) {
        const hi = next(), lo = next();
        if (reader.mayContainHash(hi, lo) !== f.mayContainHash(hi, lo)) expect.fail(`n=${n} r=${r}: answers differ for ${hi},${lo}`);
      }
    }
  });

  it('reads in place at any byte offset, without copying', () => {
    const keys = randomKeys(5000, 2);
    const bytes = build(keys, { fingerprintBits: 8 }).toBytes();
    for (const offset of [0, 1, 2, 3, 5, 8]) {
      const backing = new Uint8Array(bytes.length + 16).fill(0xee);
      backing.set(bytes, offset);
      const view = backing.subarray(offset, offset + bytes.length);
      const reader = FilterReader.from(view);
      expect(view.byteOffset).toBe(offset);
      for (let i = 0; i < 5000; i++) expect(reader.mayContainHash(keys[2 * i]!, keys[2 * i + 1]!)).toBe(true);
      // The reader sees later changes to the same memory: it never copied it.
      backing.fill(0, offset + 16, offset + bytes.length);
      let present = 0;
      for (let i = 0; i < 5000; i++) if (reader.mayContainHash(keys[2 * i]!, keys[2 * i + 1]!)) present++;
      expect(present, `offset ${offset}`).toBeLessThan(5000);
    }
  });

  it('toBytes returns a copy the caller may modify', () => {
    const keys = randomKeys(2000, 3);
    const f = build(keys);
    const a = f.toBytes();
    a.fill(0, 16);
    const b = f.toBytes();
    expect(b).not.toEqual(a);
    for (let i = 0; i < 2000; i++) expect(f.mayContainHash(keys[2 * i]!, keys[2 * i + 1]!)).toBe(true);
  });

  it('works over Node Buffers and SharedArrayBuffers', () => {
    const keys = randomKeys(1000, 4);
    const bytes = build(keys).toBytes();
    const buf = Buffer.concat([Buffer.from([1, 2, 3]), Buffer.from(bytes)]).subarray(3);
    const shared = new Uint8Array(new SharedArrayBuffer(bytes.length));
    shared.set(bytes);
    for (const view of [buf, shared]) {
      const reader = FilterReader.from(view);
      for (let i = 0; i < 1000; i++) expect(reader.mayContainHash(keys[2 * i]!, keys[2 * i + 1]!)).toBe(true);
    }
  });

  it('is deterministic, and the seed changes the filter', () => {
    const keys = randomKeys(10_000, 5);
    expect(build(keys, { seed: 1 }).toBytes()).toEqual(build(keys, { seed: 1 }).toBytes());
    expect(build(keys, { seed: 1 }).toBytes()).not.toEqual(build(keys, { seed: 2 }).toBytes());
  });

  it('header fields are where FORMAT.md says', () => {
    const f = build(randomKeys(20_000, 6), { fingerprintBits: 11 });
    const b = f.toBytes();
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    expect(String.fromCharCode(b[0]!, b[1]!, b[2]!, b[3]!)).toBe('BuRR');
    expect(b[4]).toBe(1); // version
    expect(b[5]).toBe(11); // r
    expect(b[6]).toBe(7); // log2 bucket size
    const layers = b[7]!;
    expect(layers).toBeGreaterThanOrEqual(2);
    expect(dv.getUint32(8, true)).toBe(20_000);
    expect([dv.getUint16(12, true), dv.getUint16(14, true)]).toEqual([17, 38]);
    let keys = 0;
    for (let i = 0; i < layers; i++) {
      const slots = dv.getUint32(16 + 12 * i, true);
      expect(slots % 32).toBe(0);
      keys += dv.getUint32(16 + 12 * i + 8, true);
    }
    expect(keys).toBe(20_000);
    const info = f.layerInfo();
    expect(info.length).toBe(layers);
    expect(16 + 12 * layers + info.reduce((s, l) => s + l.thresholdBytes + l.solutionBytes, 0)).toBe(b.length);
    expect(info[layers - 1]!.thresholdBytes).toBe(0);
  });

  it('golden bytes: the format and key derivation never change silently', () => {
    // If this fails, filters written by earlier builds would read differently: bump
    // FORMAT_VERSION instead of changing version 1.
    // Keys come from hash64 (itself pinned by hash.test.ts), not from the test PRNG.
    const enc = new TextEncoder();
    const keys = Array.from({ length: 3000 }, (_, i) => hash64(enc.encode(`golden:${i}`)));
    const bytes = build(keys, { fingerprintBits: 7, seed: 0 }).toBytes();
    expect(bytes.length).toBe(2736);
    expect(hex(hash64(bytes))).toBe('fc8aab992c19a7db');
  });
});
