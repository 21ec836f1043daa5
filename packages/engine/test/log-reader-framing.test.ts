// readLog against logs built fragment by fragment, each with a valid checksum unless a
// test damages it: what the reader accepts as a record and what it treats as damage. A
// fragment with a correct checksum is still refused when its type is unknown or its
// length runs past its block; block padding must be zeros; a record interrupted by the
// start of another, and a continuation without a start, are damage; and every damaged
// stretch is reported once, where salvage resumes.

import { CorruptionError, xxh32 } from '@lsm/base';
import { describe, expect, it } from 'vitest';
import { FragmentType, LOG_BLOCK_SIZE, LOG_HEADER_SIZE, logChecksumSeed } from '../src/log/log-format.js';
import { readLog, type LogReadOptions } from '../src/log/log-reader.js';
import { LogWriter } from '../src/log/log-writer.js';
import { MemFs, readFile } from '@lsm/fs';

const NUMBER = 11;
const SEED = logChecksumSeed(NUMBER);

/** Builds a log byte by byte: fragments with correct checksums (unless told), padding, raw bytes. */
class LogBuilder {
  private buf = new Uint8Array(4 * LOG_BLOCK_SIZE);
  len = 0;

  /** Appends one fragment of `type` with `body`; returns its offset. `lengthField` overrides the stored length. */
  fragment(type: number, body: Uint8Array, lengthField = body.length): number {
    const at = this.len;
    const b = this.buf;
    b[at + 4] = lengthField & 0xff;
    b[at + 5] = lengthField >>> 8;
    b[at + 6] = type;
    b.set(body, at + LOG_HEADER_SIZE);
    const crc = xxh32(b.subarray(at + 6, at + LOG_HEADER_SIZE + body.length), SEED);
    b[at] = crc & 0xff;
    b[at + 1] = (crc >>> 8) & 0xff;
    b[at + 2] = (crc >>> 16) & 0xff;
    b[at + 3] = crc >>> 24;
    this.len = at + LOG_HEADER_SIZE + body.length;
    return at;
  }

  /** Appends `n` bytes of `value`. */
  fill(n: number, value = 0): void {
    this.buf.fill(value, this.len, this.len + n);
    this.len += n;
  }

  /** Zeros up to the next block boundary. */
  padToBlock(): void {
    const left = LOG_BLOCK_SIZE - (this.len % LOG_BLOCK_SIZE);
    if (left < LOG_BLOCK_SIZE) this.fill(left);
  }

  bytes(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

function body(tag: number, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (tag * 37 + i * 3 + 1) & 0xff;
  return b;
}

function read(data: Uint8Array, opts?: LogReadOptions) {
  const got: Uint8Array[] = [];
  const offsets: number[] = [];
  const damage: Array<[number, number, string]> = [];
  const res = readLog(
    data,
    '/log',
    NUMBER,
    (p, offset) => {
      got.push(p.slice());
      offsets.push(offset);
    },
    opts === undefined ? undefined : { ...opts, onDamage: (o, n, what) => damage.push([o, n, what]) },
  );
  return { got, offsets, damage, res };
}

function corruption(fn: () => unknown): CorruptionError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CorruptionError);
    return err as CorruptionError;
  }
  throw new Error('expected LSM_CORRUPTION');
}

describe('readLog: fragments that check out', () => {
  it('reads with no options at all', () => {
    const b = new LogBuilder();
    b.fragment(FragmentType.Full, body(1, 10));
    const first = b.fragment(FragmentType.First, body(2, 5));
    b.fragment(FragmentType.Middle, body(3, 5));
    b.fragment(FragmentType.Last, body(4, 5));
    const got: Uint8Array[] = [];
    const res = readLog(b.bytes(), '/log', NUMBER, (p) => got.push(p.slice()));
    expect(got).toEqual([body(1, 10), new Uint8Array([...body(2, 5), ...body(3, 5), ...body(4, 5)])]);
    // A record of three fragments counts once, like a one-fragment record.
    expect(res).toEqual({ records: 2, validLength: b.len, tornTail: false, salvagedBytes: 0 });
    expect(first).toBe(LOG_HEADER_SIZE + 10);
  });

  it('an empty record at the very end of the log is a record, not a torn tail', () => {
    const fs = new MemFs();
    const f = fs.open('/log', { write: true, createNew: true });
    const w = new LogWriter(f, NUMBER);
    w.addRecord(body(1, 20));
    w.addRecord(new Uint8Array(0));
    w.close();
    const data = readFile(fs, '/log');
    expect(data.length).toBe(2 * LOG_HEADER_SIZE + 20);
    const { got, res } = read(data, {});
    expect(got).toEqual([body(1, 20), new Uint8Array(0)]);
    expect(res).toEqual({ records: 2, validLength: data.length, tornTail: false, salvagedBytes: 0 });
  });
});

describe('readLog: a valid checksum is not enough', () => {
  for (const type of [0, 5, 255]) {
    it(`a fragment of unknown type ${type} never completes a record, even with a valid checksum`, () => {
      const b = new LogBuilder();
      b.fragment(FragmentType.Full, body(1, 10));
      const start = b.fragment(FragmentType.First, body(2, 8));
      const odd = b.fragment(type, body(3, 8)); // where the record's Last fragment would be
      const after = b.fragment(FragmentType.Full, body(4, 6));
      const data = b.bytes();
      const { got, damage, res } = read(data, { salvage: true });
      expect(got).toEqual([body(1, 10), body(4, 6)]);
      // The interrupted record is one damaged stretch, from its first fragment to the next valid one.
      expect(damage).toEqual([[start, after - start, 'bad fragment header or checksum']]);
      expect(res.records).toBe(2);
      expect(odd).toBeGreaterThan(start);
      // Without salvage: damage in the middle, at the record's first fragment.
      const err = corruption(() => read(data, {}));
      expect(err.offset).toBe(odd);
    });
  }

  it('a fragment whose length runs past its block is damage, even with a valid checksum', () => {
    const b = new LogBuilder();
    b.fragment(FragmentType.Full, body(1, LOG_BLOCK_SIZE - 2 * LOG_HEADER_SIZE - 100));
    // 100 bytes left in the block; this one claims 150 and its checksum covers all 150.
    const long = b.fragment(FragmentType.Full, body(2, 150 - LOG_HEADER_SIZE));
    expect(long + LOG_HEADER_SIZE + 150 - LOG_HEADER_SIZE).toBeGreaterThan(LOG_BLOCK_SIZE);
    b.fill(LOG_BLOCK_SIZE * 2 - b.len); // the rest of the next block: zeros
    const after = b.fragment(FragmentType.Full, body(3, 30));
    const data = b.bytes();
    const { got, damage } = read(data, { salvage: true });
    expect(got).toEqual([body(1, LOG_BLOCK_SIZE - 2 * LOG_HEADER_SIZE - 100), body(3, 30)]);
    expect(damage).toEqual([[long, after - long, 'bad fragment header or checksum']]);
    // Not salvaging: LSM_CORRUPTION at the fragment, naming it as damage in the middle.
    const err = corruption(() => read(data, {}));
    expect(err.offset).toBe(long);
    expect(err.message).toContain('write-ahead log damaged in the middle: bad fragment header or checksum');
    // With nothing valid after it, the same fragment is a torn tail.
    const tail = read(data.subarray(0, LOG_BLOCK_SIZE + 10), {});
    expect(tail.got).toHaveLength(1);
    expect(tail.res).toMatchObject({ validLength: long, tornTail: true });
  });
});

describe('readLog: block padding', () => {
  /** Record 0 ends 3 bytes before the block's end (3 bytes of padding), record 1 starts the next block. */
  function padded(): { b: LogBuilder; padAt: number; next: number } {
    const b = new LogBuilder();
    b.fragment(FragmentType.Full, body(1, LOG_BLOCK_SIZE - LOG_HEADER_SIZE - 3));
    const padAt = b.len;
    b.padToBlock();
    const next = b.fragment(FragmentType.Full, body(2, 40));
    b.fragment(FragmentType.Full, body(3, 50));
    return { b, padAt, next };
  }

  it('zeros in a block tail too small for a header are skipped', () => {
    const { b, padAt, next } = padded();
    expect(next - padAt).toBe(3);
    const { got, offsets, res } = read(b.bytes(), {});
    expect(got).toHaveLength(3);
    expect(offsets).toEqual([0, next, next + LOG_HEADER_SIZE + 40]);
    expect(res.salvagedBytes).toBe(0);
  });

  for (const k of [0, 1, 2]) {
    it(`a non-zero byte in the padding (byte ${k} of 3) is damage in the middle; salvage skips just the padding`, () => {
      const { b, padAt, next } = padded();
      const data = b.bytes();
      data[padAt + k] = 0x5a;
      const err = corruption(() => read(data, {}));
      expect(err.offset).toBe(padAt);
      expect(err.message).toContain('non-zero block padding');
      const { got, offsets, damage, res } = read(data, { salvage: true });
      // Nothing valid is lost: the padding carried no record.
      expect(got).toEqual([body(1, LOG_BLOCK_SIZE - LOG_HEADER_SIZE - 3), body(2, 40), body(3, 50)]);
      expect(offsets).toEqual([0, next, next + LOG_HEADER_SIZE + 40]);
      expect(damage).toEqual([[padAt, 3, 'non-zero block padding']]);
      expect(res.salvagedBytes).toBe(3);
    });
  }

  it('non-zero padding with nothing valid after it is a torn tail', () => {
    const { b, padAt } = padded();
    const data = b.bytes().subarray(0, padAt + 3);
    data[padAt + 1] = 1;
    const { got, res } = read(data, {});
    expect(got).toHaveLength(1);
    expect(res).toEqual({ records: 1, validLength: padAt, tornTail: true, salvagedBytes: 0 });
  });
});

describe('readLog: records out of order', () => {
  it('a record interrupted by the start of another is damage from its first fragment', () => {
    const b = new LogBuilder();
    b.fragment(FragmentType.Full, body(1, 10));
    const cut = b.fragment(FragmentType.First, body(2, 20));
    b.fragment(FragmentType.Middle, body(3, 20));
    const next = b.fragment(FragmentType.Full, body(4, 30)); // no Last before it
    b.fragment(FragmentType.Full, body(5, 5));
    const data = b.bytes();
    const err = corruption(() => read(data, {}));
    expect(err.offset).toBe(cut);
    expect(err.message).toContain('record interrupted by the start of another');
    const { got, damage, res } = read(data, { salvage: true });
    expect(got).toEqual([body(1, 10), body(4, 30), body(5, 5)]);
    // Resumes at the first valid fragment after the cut record's start: its own Middle,
    // which has no start of its own now, then the next record.
    expect(damage).toEqual([
      [cut, next - LOG_HEADER_SIZE - 20 - cut, 'record interrupted by the start of another'],
      [next - LOG_HEADER_SIZE - 20, LOG_HEADER_SIZE + 20, 'continuation fragment without a start'],
    ]);
    expect(res.salvagedBytes).toBe(next - cut);
  });

  it('a first fragment interrupted by another first fragment: the second record still reads', () => {
    const b = new LogBuilder();
    const cut = b.fragment(FragmentType.First, body(1, 16));
    const second = b.fragment(FragmentType.First, body(2, 16));
    b.fragment(FragmentType.Last, body(3, 16));
    const { got, damage } = read(b.bytes(), { salvage: true });
    expect(got).toEqual([new Uint8Array([...body(2, 16), ...body(3, 16)])]);
    expect(damage).toEqual([[cut, second - cut, 'record interrupted by the start of another']]);
  });

  it('a continuation fragment without a start: damage in the middle, or a torn tail at the end', () => {
    const b = new LogBuilder();
    b.fragment(FragmentType.Full, body(1, 10));
    const orphan = b.fragment(FragmentType.Last, body(2, 10));
    const next = b.fragment(FragmentType.Full, body(3, 10));
    const data = b.bytes();
    const err = corruption(() => read(data, {}));
    expect(err.offset).toBe(orphan);
    expect(err.message).toContain('continuation fragment without a start');
    const { got, damage } = read(data, { salvage: true });
    expect(got).toEqual([body(1, 10), body(3, 10)]);
    expect(damage).toEqual([[orphan, next - orphan, 'continuation fragment without a start']]);
    // The same orphan as the last thing in the log ends the read cleanly.
    const tail = read(data.subarray(0, next), {});
    expect(tail.got).toEqual([body(1, 10)]);
    expect(tail.res).toEqual({ records: 1, validLength: orphan, tornTail: true, salvagedBytes: 0 });
  });
});

describe('readLog: where salvage resumes', () => {
  it('damage running into later blocks is one stretch, up to the next block that starts with a valid fragment', () => {
    const b = new LogBuilder();
    b.fragment(FragmentType.Full, body(1, 100));
    const bad = b.fragment(FragmentType.Full, body(2, 100));
    b.fill(LOG_BLOCK_SIZE - b.len, 0x77); // garbage to the block's end
    b.fill(200, 0x77); // the next block starts with garbage...
    const inside = b.fragment(FragmentType.Full, body(3, 50)); // ...then a fragment in its middle
    b.fill(2 * LOG_BLOCK_SIZE - b.len);
    const resume = b.fragment(FragmentType.Full, body(4, 60));
    const data = b.bytes();
    data[bad + LOG_HEADER_SIZE + 5]! ^= 1;
    const { got, damage, res } = read(data, { salvage: true });
    // Past the damaged block, resynchronisation happens only at block starts: the
    // fragment in the middle of block 1 is inside the damaged stretch.
    expect(got).toEqual([body(1, 100), body(4, 60)]);
    expect(inside).toBeGreaterThan(LOG_BLOCK_SIZE);
    expect(damage).toEqual([[bad, resume - bad, 'bad fragment header or checksum']]);
    expect(resume).toBe(2 * LOG_BLOCK_SIZE);
    expect(res.salvagedBytes).toBe(resume - bad);
  });

  it('offsets in errors are file offsets when the data is a tail of the file', () => {
    const b = new LogBuilder();
    b.fill(LOG_BLOCK_SIZE); // block 0: not part of the data read
    b.fragment(FragmentType.Full, body(1, 10));
    const bad = b.fragment(FragmentType.Full, body(2, 10));
    b.fragment(FragmentType.Full, body(3, 10));
    const data = b.bytes();
    data[bad + LOG_HEADER_SIZE]! ^= 1;
    const err = corruption(() => read(data.subarray(LOG_BLOCK_SIZE), { base: LOG_BLOCK_SIZE }));
    expect(err.offset).toBe(bad);
    expect(err.message).toContain(`offset ${bad}`);
  });
});
