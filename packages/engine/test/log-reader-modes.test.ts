// readLog's two stricter and looser modes, exactly: `strictTail` (manifests: damage at the
// end is a torn write only when it looks like one) and salvage with `onDamage` (every
// skipped stretch reported with its file offset and length; a record that frames
// correctly but fails to authenticate, or that onRecord rejects with LSM_CORRUPTION, is
// skipped and reported instead of ending the read; any other error still ends it).

import { CorruptionError } from '@lsm/base';
import { FileKind, KeyRing } from '@lsm/encryption';
import { MemFs, readFile } from '@lsm/fs';
import { describe, expect, it } from 'vitest';
import { openLog, startLog } from '../src/log/log-encryption.js';
import { LOG_BLOCK_SIZE, LOG_HEADER_SIZE } from '../src/log/log-format.js';
import { readLog } from '../src/log/log-reader.js';
import { LogWriter } from '../src/log/log-writer.js';

const NUMBER = 7;

function record(i: number, len: number): Uint8Array {
  const r = new Uint8Array(len);
  for (let j = 0; j < len; j++) r[j] = (i * 29 + j * 5 + 1) & 0xff;
  return r;
}

/** A plaintext log of records of `lengths`; `starts[i]` is where record i's first fragment begins. */
function plainLog(lengths: number[]): { data: Uint8Array; records: Uint8Array[]; starts: number[] } {
  const fs = new MemFs();
  const f = fs.open('/log', { write: true, createNew: true });
  const w = new LogWriter(f, NUMBER);
  const records = lengths.map((len, i) => record(i, len));
  const starts: number[] = [];
  for (const r of records) {
    // A record starts where the last one ended, unless fewer than a header's bytes are left in the block.
    const left = LOG_BLOCK_SIZE - (w.size % LOG_BLOCK_SIZE);
    starts.push(left < LOG_HEADER_SIZE ? w.size + left : w.size);
    w.addRecord(r);
  }
  w.close();
  return { data: readFile(fs, '/log'), records, starts };
}

function read(data: Uint8Array, opts: Parameters<typeof readLog>[4], onRecord?: (p: Uint8Array, offset: number) => void) {
  const got: Uint8Array[] = [];
  const offsets: number[] = [];
  const damage: Array<[number, number, string]> = [];
  const res = readLog(
    data,
    '/log',
    NUMBER,
    (p, offset) => {
      onRecord?.(p, offset);
      got.push(p.slice());
      offsets.push(offset);
    },
    { ...opts, onDamage: (o, n, what) => damage.push([o, n, what]) },
  );
  return { got, offsets, damage, res };
}

describe('readLog with strictTail (manifests)', () => {
  const { data, records, starts } = plainLog([100, 200, 300]);
  const last = starts[2]!;

  it('an intact log reads whole', () => {
    const { got, res } = read(data, { strictTail: true });
    expect(got).toEqual(records);
    expect(res).toEqual({ records: 3, validLength: data.length, tornTail: false, salvagedBytes: 0 });
  });

  it('a last record cut short is a torn write: the earlier records, validLength at its start', () => {
    for (const cut of [last + 1, last + LOG_HEADER_SIZE - 1, last + LOG_HEADER_SIZE, last + LOG_HEADER_SIZE + 150, data.length - 1]) {
      const { got, res } = read(data.subarray(0, cut), { strictTail: true });
      expect(got, `cut ${cut}`).toEqual(records.slice(0, 2));
      expect(res.validLength).toBe(last);
      expect(res.tornTail).toBe(true);
    }
  });

  it('a complete last record with a changed byte is LSM_CORRUPTION at its offset, not a torn write', () => {
    for (const at of [last, last + 4, last + 6, last + LOG_HEADER_SIZE, data.length - 1]) {
      const bad = data.slice();
      bad[at]! ^= 0x20;
      let err: unknown;
      try {
        read(bad, { strictTail: true });
      } catch (e) {
        err = e;
      }
      // A length byte changed to claim more than the file holds reads as a cut-short write.
      if (at === last + 4 && err === undefined) continue;
      expect(err, `byte ${at}`).toBeInstanceOf(CorruptionError);
      expect((err as CorruptionError).message).toContain('not a torn write');
      expect((err as CorruptionError).offset).toBe(last);
      // Without strictTail the same bytes are a torn tail.
      expect(read(bad, {}).got).toEqual(records.slice(0, 2));
    }
  });

  it('a complete damaged last record stays LSM_CORRUPTION with zeros after it (the zeros rule starts at the damage)', () => {
    const padded = new Uint8Array(data.length + 64);
    padded.set(data);
    padded[last + LOG_HEADER_SIZE + 3]! ^= 1;
    expect(() => read(padded, { strictTail: true })).toThrow(/not a torn write/);
  });

  it('an empty last record (a bare header) with a changed checksum is LSM_CORRUPTION too: it was written whole', () => {
    const { data } = plainLog([100, 0]);
    expect(data.length).toBe(2 * LOG_HEADER_SIZE + 100);
    const bad = data.slice();
    bad[data.length - LOG_HEADER_SIZE]! ^= 1; // the empty record's checksum
    expect(() => read(bad, { strictTail: true })).toThrow(CorruptionError);
    // Cut inside that header instead, it is a torn write.
    const { got, res } = read(data.subarray(0, data.length - 1), { strictTail: true });
    expect(got).toHaveLength(1);
    expect(res.tornTail).toBe(true);
  });

  it('zeros where the last record should be are a torn write too', () => {
    const zeroed = data.slice();
    zeroed.fill(0, last);
    const { got } = read(zeroed, { strictTail: true });
    expect(got).toEqual(records.slice(0, 2));
  });
});

describe('readLog salvaging with onDamage', () => {
  it('damage in the middle: the stretch up to the next valid fragment is skipped and reported', () => {
    const { data, records, starts } = plainLog([50, 60, 70, 80]);
    const bad = data.slice();
    bad[starts[1]! + LOG_HEADER_SIZE + 10]! ^= 0xff; // record 1's payload
    const { got, damage, res } = read(bad, { salvage: true });
    expect(got).toEqual([records[0], records[2], records[3]]);
    expect(damage.length).toBe(1);
    const [offset, length, what] = damage[0]!;
    expect(offset).toBe(starts[1]);
    expect(length).toBe(starts[2]! - starts[1]!);
    expect(what).toContain('checksum');
    expect(res.salvagedBytes).toBe(length);
    expect(res.records).toBe(3);
    // Without salvage the same damage ends the read with LSM_CORRUPTION at that offset.
    expect(() => read(bad, {})).toThrow(CorruptionError);
  });

  it('a record spanning blocks damaged in its middle fragment: reported from its first fragment, then its orphaned last fragment', () => {
    const { data, records, starts } = plainLog([100, 2 * LOG_BLOCK_SIZE + 500, 100]);
    const bad = data.slice();
    bad[LOG_BLOCK_SIZE + LOG_HEADER_SIZE + 20]! ^= 1; // inside the second block: the middle fragment
    const { got, damage, res } = read(bad, { salvage: true });
    expect(got).toEqual([records[0], records[2]]);
    // The first stretch ends at the next valid fragment (the record's last, in the third
    // block), which has no start: a second stretch, up to record 2.
    expect(damage.map(([o]) => o)).toEqual([starts[1], 2 * LOG_BLOCK_SIZE]);
    expect(damage[0]![1]).toBe(2 * LOG_BLOCK_SIZE - starts[1]!);
    expect(damage[1]![1]).toBe(starts[2]! - 2 * LOG_BLOCK_SIZE);
    expect(res.salvagedBytes).toBe(damage.reduce((s, [, n]) => s + n, 0));
  });

  it('offsets reported are file offsets when the data is a tail of the file (base)', () => {
    const { data, records, starts } = plainLog([LOG_BLOCK_SIZE, 40, 50, 60]);
    const base = LOG_BLOCK_SIZE; // the tail from the second block on
    const from = starts[1]!;
    expect(from).toBeGreaterThanOrEqual(base);
    const bad = data.slice();
    bad[starts[2]! + LOG_HEADER_SIZE + 1]! ^= 4;
    const { got, offsets, damage } = read(bad.subarray(base), { salvage: true, base, start: from - base });
    expect(got).toEqual([records[1], records[3]]);
    expect(offsets).toEqual([starts[1], starts[3]]);
    expect(damage.map(([o]) => o)).toEqual([starts[2]]);
  });

  it('a record onRecord rejects with LSM_CORRUPTION is skipped and reported; other errors end the read', () => {
    const { data, records, starts } = plainLog([30, 40, 50]);
    const reject = (p: Uint8Array): void => {
      if (p.length === 40) throw new CorruptionError('/log', 0, 'bad batch');
    };
    const { got, damage, res } = read(data, { salvage: true }, reject);
    expect(got).toEqual([records[0], records[2]]);
    expect(damage).toEqual([[starts[1], starts[2]! - starts[1]!, expect.stringContaining('bad batch')]]);
    expect(res.records).toBe(2);
    expect(res.salvagedBytes).toBe(starts[2]! - starts[1]!);
    const boom = (p: Uint8Array): void => {
      if (p.length === 40) throw new TypeError('a bug');
    };
    expect(() => read(data, { salvage: true }, boom)).toThrow(TypeError);
    // Without salvage, a rejection ends the read as well.
    expect(() => read(data, {}, reject)).toThrow(CorruptionError);
  });

  it('an encrypted record that frames correctly but fails to authenticate is skipped and reported', () => {
    const keys = KeyRing.from({ key: new Uint8Array(32).fill(9) });
    const fs = new MemFs();
    const f = fs.open('/log', { write: true, createNew: true });
    const w = startLog(f, NUMBER, FileKind.WriteAheadLog, keys, true);
    const records = [record(0, 64), record(1, 64), record(2, 64)];
    const ends: number[] = [];
    for (const r of records) {
      w.addRecord(r);
      ends.push(w.size);
    }
    f.close();
    const data = readFile(fs, '/log');
    const enc = openLog(data, '/log', FileKind.WriteAheadLog, NUMBER, keys, '/')!;
    // Swap the sealed payloads of records 0 and 1 (same length) and fix their checksums by
    // swapping whole fragments: framing holds, authentication (bound to the offset) fails.
    const a = enc.start;
    const b = ends[0]!;
    const len = ends[0]! - a;
    expect(ends[1]! - b).toBe(len);
    const swapped = data.slice();
    swapped.set(data.subarray(b, b + len), a);
    swapped.set(data.subarray(a, a + len), b);
    const { got, damage, res } = read(swapped, { salvage: true, cipher: enc.cipher, start: enc.start });
    expect(got).toEqual([records[2]]);
    expect(damage.map(([o, n]) => [o, n])).toEqual([
      [a, len],
      [b, len],
    ]);
    expect(res.salvagedBytes).toBe(2 * len);
    expect(() => read(swapped, { cipher: enc.cipher, start: enc.start })).toThrow(CorruptionError);
  });
});
