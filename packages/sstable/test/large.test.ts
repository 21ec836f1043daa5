// Size extremes: a 1,000,000-entry table (sampled lookups + full ordered scan), multi-MB
// values, 65,535-byte keys, thousands of versions of one key.

import { MemFs } from '@lsm/fs';
import { describe, expect, it } from 'vitest';
import { BlockCache } from '../src/block-cache.js';
import { ValueType } from '@lsm/base';
import { Rng, testSeed, withSeed } from '@lsm/base/testing';
import { Table } from '../src/table.js';
import { TableWriter } from '../src/table-writer.js';
import { tableVerify } from '../src/verify.js';

/** Key i as 16 bytes: "user" + 12-digit zero-padded decimal, so order = numeric order. */
function key16(i: number, out = new Uint8Array(16)): Uint8Array {
  out[0] = 0x75;
  out[1] = 0x73;
  out[2] = 0x65;
  out[3] = 0x72;
  let v = i;
  for (let p = 15; p >= 4; p--) {
    out[p] = 0x30 + (v % 10);
    v = Math.floor(v / 10);
  }
  return out;
}

/** Deterministic 20-byte value for key i. */
function value20(i: number, out = new Uint8Array(20)): Uint8Array {
  let x = (i * 2654435761) >>> 0;
  for (let p = 0; p < 20; p++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[p] = x & 0xff;
  }
  return out;
}

describe('large tables', () => {
  it('1,000,000 entries: sampled point lookups and a full ordered scan', () => {
    withSeed(testSeed(900), (rng) => {
      const N = 1_000_000;
      const fs = new MemFs();
      const w = new TableWriter(fs, '/big.sst', { compression: 'zstd', compressionLevel: 1 });
      const k = new Uint8Array(16);
      const v = new Uint8Array(20);
      for (let i = 0; i < N; i++) w.add(key16(i * 2, k), i + 1, ValueType.Value, value20(i, v));
      const meta = w.finish();
      expect(meta.properties.entryCount).toBe(N);
      const t = Table.open(fs, '/big.sst', { cache: new BlockCache(8 << 20), tableId: 1 });
      for (let q = 0; q < 20_000; q++) {
        const i = rng.int(N);
        const r = t.get(key16(i * 2));
        expect(r).toBeDefined();
        expect(r!.seqno).toBe(i + 1);
        expect(Buffer.compare(r!.value, value20(i))).toBe(0);
        if (q % 4 === 0) expect(t.get(key16(i * 2 + 1))).toBeUndefined(); // absent (odd) keys
      }
      const it = t.iterator({ fillCache: false });
      let n = 0;
      let prev = -2;
      const expectKey = new Uint8Array(16);
      for (it.seekToFirst(); it.valid(); it.next()) {
        const uk = it.userKey();
        key16(prev + 2, expectKey);
        if (uk.length !== 16 || Buffer.compare(uk, expectKey) !== 0) throw new Error(`scan out of order at entry ${n}`);
        prev += 2;
        n++;
      }
      expect(n).toBe(N);
      // Reverse scan from the end for a stretch crossing many blocks.
      let m = 0;
      for (it.seekToLast(); it.valid() && m < 5000; it.prev()) {
        expect(Buffer.compare(it.userKey(), key16((N - 1 - m) * 2))).toBe(0);
        m++;
      }
      expect(m).toBe(5000);
    });
  }, 120_000);

  it('multi-megabyte values and 65,535-byte keys', () => {
    const rng = new Rng(testSeed(901));
    const fs = new MemFs();
    const big = rng.bytes(5 * 1024 * 1024 + 17);
    const longKeyA = new Uint8Array(65535).fill(0x41);
    const longKeyB = new Uint8Array(65535).fill(0x42);
    const w = new TableWriter(fs, '/huge.sst', { compression: 'zstd' });
    w.put(new Uint8Array([0x01]), 1, new Uint8Array(0)); // 1-byte key, empty value
    w.put(longKeyA, 3, big);
    w.put(longKeyA, 2, new Uint8Array([9]));
    w.put(longKeyB, 1, new Uint8Array(3 * 1024 * 1024).fill(0x5a)); // compressible
    w.finish();
    const t = Table.open(fs, '/huge.sst');
    expect(t.get(new Uint8Array([0x01]))!.value.length).toBe(0);
    const r = t.get(longKeyA)!;
    expect(r.value.length).toBe(big.length);
    expect(Buffer.compare(r.value, big)).toBe(0);
    expect([...t.get(longKeyA, 2)!.value]).toEqual([9]);
    expect(t.get(longKeyB)!.value.every((x) => x === 0x5a)).toBe(true);
    expect(t.properties.compressedDataBlockCount).toBeGreaterThan(0);
    const it = t.iterator();
    it.seekToLast();
    expect(it.userKey().length).toBe(65535);
    expect(it.value().length).toBe(3 * 1024 * 1024);
    it.prev();
    expect(it.seqno()).toBe(2);
    it.prev();
    expect(it.value().length).toBe(big.length);
    expect(tableVerify(fs, '/huge.sst').ok).toBe(true);
  });

  it('many versions of one key', () => {
    const fs = new MemFs();
    const w = new TableWriter(fs, '/ver.sst', { blockSize: 512 });
    const key = new TextEncoder().encode('hot');
    for (let s = 10_000; s >= 1; s--) w.put(key, s, new TextEncoder().encode(`v${s}`));
    w.finish();
    const t = Table.open(fs, '/ver.sst');
    expect(t.properties.dataBlockCount).toBeGreaterThan(100);
    for (const s of [10_000, 9_999, 5_000, 4_321, 1]) {
      expect(new TextDecoder().decode(t.get(key, s)!.value)).toBe(`v${s}`);
      expect(t.get(key, s)!.seqno).toBe(s);
    }
    expect(t.get(key, 0)).toBeUndefined();
    const it = t.iterator();
    it.seek(key, 777);
    expect(it.seqno()).toBe(777);
    it.seekForPrev(key, 777);
    expect(it.seqno()).toBe(777);
    it.next();
    expect(it.seqno()).toBe(776);
    it.prev();
    it.prev();
    expect(it.seqno()).toBe(778);
  });
});
