// The write-ahead log's framing: records of every size round-trip; a torn tail (any
// truncation, any damage with nothing valid after it) stops reading cleanly; damage
// followed by valid records is LSM_CORRUPTION unless salvaging.

import { MemFs, readFile } from '@lsm/fs';
import { CorruptionError } from '@lsm/base';
import { describe, expect, it } from 'vitest';
import { LOG_BLOCK_SIZE } from '../src/log/log-format.js';
import { readLog } from '../src/log/log-reader.js';
import { LogWriter } from '../src/log/log-writer.js';

function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

function record(i: number, len: number): Uint8Array {
  const r = new Uint8Array(len);
  for (let j = 0; j < len; j++) r[j] = (i * 31 + j * 7) & 0xff;
  return r;
}

function writeLog(lengths: number[], logNumber = 7): { data: Uint8Array; records: Uint8Array[]; ends: number[] } {
  const fs = new MemFs();
  const f = fs.open('/log', { write: true, createNew: true });
  const w = new LogWriter(f, logNumber);
  const records = lengths.map((len, i) => record(i, len));
  const ends: number[] = [];
  for (const r of records) {
    w.addRecord(r);
    ends.push(w.size);
  }
  w.close();
  return { data: readFile(fs, '/log'), records, ends };
}

function readAll(data: Uint8Array, logNumber = 7, salvage = false) {
  const got: Uint8Array[] = [];
  const res = readLog(data, '/log', logNumber, (p) => got.push(p.slice()), { salvage });
  return { got, res };
}

describe('write-ahead log', () => {
  it('round-trips records of every size, including ones spanning many blocks', () => {
    const lengths = [0, 1, 100, LOG_BLOCK_SIZE - 7, LOG_BLOCK_SIZE - 14, LOG_BLOCK_SIZE, 3 * LOG_BLOCK_SIZE + 5, 5, 0, 200_000];
    const { data, records } = writeLog(lengths);
    const { got, res } = readAll(data);
    expect(got.length).toBe(records.length);
    got.forEach((g, i) => expect(Buffer.compare(g, records[i]!), `record ${i}`).toBe(0));
    expect(res.tornTail).toBe(false);
    expect(res.validLength).toBe(data.length);
  });

  it('pads a block tail too small for a header and continues in the next block', () => {
    // First record leaves exactly 3 bytes in the block.
    const { data, records } = writeLog([LOG_BLOCK_SIZE - 7 - 3, 10]);
    expect(data.length).toBe(LOG_BLOCK_SIZE + 7 + 10);
    const { got } = readAll(data);
    expect(got.map((g) => g.length)).toEqual(records.map((r) => r.length));
  });

  it('stops cleanly at a torn tail: every truncation keeps exactly the complete records', () => {
    const lengths = [10, 5000, 40_000, 3, 70_000, 1];
    const { data, records, ends } = writeLog(lengths);
    for (let cut = 0; cut <= data.length; cut += cut < 200 ? 1 : 97) {
      const { got, res } = readAll(data.subarray(0, cut));
      const complete = ends.filter((e) => e <= cut).length;
      expect(got.length, `cut at ${cut}`).toBe(complete);
      got.forEach((g, i) => expect(Buffer.compare(g, records[i]!)).toBe(0));
      expect(res.validLength).toBe(complete === 0 ? 0 : ends[complete - 1]);
    }
  });

  it('treats garbage or zeros after the last record as a torn tail', () => {
    const { data, records } = writeLog([100, 200]);
    for (const tail of [new Uint8Array(5000), new Uint8Array(3000).fill(0xab)]) {
      const withTail = new Uint8Array(data.length + tail.length);
      withTail.set(data);
      withTail.set(tail, data.length);
      const { got, res } = readAll(withTail);
      expect(got.length).toBe(records.length);
      expect(res.tornTail).toBe(true);
      expect(res.validLength).toBe(data.length);
    }
  });

  it('reports damage in the middle as LSM_CORRUPTION naming file and offset, for every flipped byte', () => {
    const lengths = [50, 60, 70];
    const { data, ends } = writeLog(lengths);
    for (let i = 0; i < ends[1]!; i++) {
      const bad = data.slice();
      bad[i]! ^= 0x40;
      let err: unknown;
      try {
        readAll(bad);
      } catch (e) {
        err = e;
      }
      expect(err, `flip at ${i}`).toBeInstanceOf(CorruptionError);
      expect((err as CorruptionError).code).toBe('LSM_CORRUPTION');
      expect((err as CorruptionError).file).toBe('/log');
      expect((err as CorruptionError).message).toContain('/log');
    }
  });

  it('treats a flip in the last record as a torn tail (nothing valid follows)', () => {
    const { data, ends } = writeLog([50, 60, 70]);
    for (let i = ends[1]!; i < data.length; i++) {
      const bad = data.slice();
      bad[i]! ^= 0x01;
      const { got, res } = readAll(bad);
      expect(got.length).toBe(2);
      expect(res.tornTail).toBe(true);
    }
  });

  it('finds damage in the middle across blocks, and salvages around it when asked', () => {
    const lengths = Array.from({ length: 40 }, (_, i) => 3000 + i);
    const { data, records, ends } = writeLog(lengths);
    const r = rng(99);
    for (let trial = 0; trial < 30; trial++) {
      const victim = 1 + Math.floor(r() * 30);
      const at = ends[victim - 1]! + 7 + Math.floor(r() * lengths[victim]!);
      const bad = data.slice();
      bad[at]! ^= 0x10;
      expect(() => readAll(bad), `damage at ${at}`).toThrowError(CorruptionError);
      const { got, res } = readAll(bad, 7, true);
      expect(res.salvagedBytes).toBeGreaterThan(0);
      // Every record delivered is one of the originals, in order, and the victim is gone.
      let j = 0;
      for (const g of got) {
        while (j < records.length && Buffer.compare(g, records[j]!) !== 0) j++;
        expect(j, `salvaged record not found in order (trial ${trial})`).toBeLessThan(records.length);
        expect(j).not.toBe(victim);
        j++;
      }
      expect(got.length).toBeGreaterThanOrEqual(records.length - 12);
    }
  });

  it('rejects a log read with the wrong log number (fragments are bound to their file)', () => {
    const { data } = writeLog([10, 20], 7);
    const { got, res } = readAll(data, 8);
    expect(got.length).toBe(0);
    expect(res.tornTail).toBe(true);
  });

  it('continues a log from its current size', () => {
    const fs = new MemFs();
    let f = fs.open('/log', { write: true, createNew: true });
    let w = new LogWriter(f, 3);
    w.addRecord(record(0, 40_000));
    const size = w.size;
    w.close();
    f = fs.open('/log', { append: true });
    w = new LogWriter(f, 3, size);
    w.addRecord(record(1, 30_000));
    w.close();
    const { got } = readAll(readFile(fs, '/log'), 3);
    expect(got.map((g) => g.length)).toEqual([40_000, 30_000]);
  });
});
