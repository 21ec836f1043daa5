// The encryption check before a log is read (openLog), case by case: what a manifest and a
// write-ahead log do when the store's keys and the file disagree (a caller's mistake for
// the manifest, which decides the store's encryption; damage for a write-ahead log), a log
// cut inside its header, a log of nothing but its header. And records far larger than the
// writer's first scratch buffer, plain and encrypted, read back whole.

import { CorruptionError, InvalidArgumentError, xxh32 } from '@lsm/base';
import { ENCRYPTION_HEADER_SIZE, FileKind, KeyRing } from '@lsm/encryption';
import { MemFs, readFile } from '@lsm/fs';
import { describe, expect, it } from 'vitest';
import { thrown } from './helpers.js';
import { openLog, startLog } from '../src/log/log-encryption.js';
import { LOG_HEADER_SIZE, logChecksumSeed } from '../src/log/log-format.js';
import { readLog } from '../src/log/log-reader.js';

const NUMBER = 4;
const KEYS = KeyRing.from({ key: new Uint8Array(32).fill(0x42) });

/** A log of `kind` with `records`, encrypted when `keys` is given. */
function logBytes(kind: number, keys: KeyRing | undefined, records: Uint8Array[]): Uint8Array {
  const fs = new MemFs();
  const f = fs.open('/log', { write: true, createNew: true });
  const w = startLog(f, NUMBER, kind, keys, true);
  for (const r of records) w.addRecord(r);
  f.close();
  return readFile(fs, '/log');
}

function record(tag: number, n: number): Uint8Array {
  const r = new Uint8Array(n);
  for (let i = 0; i < n; i++) r[i] = (tag * 131 + i * 7 + (i >>> 9)) & 0xff;
  return r;
}

describe('openLog: the log and the store disagree about encryption', () => {
  // Longer than an encryption header, so that only the encryption decides.
  const plainManifest = logBytes(FileKind.Manifest, undefined, [record(1, 100)]);
  const encManifest = logBytes(FileKind.Manifest, KEYS, [record(1, 100)]);
  const plainWal = logBytes(FileKind.WriteAheadLog, undefined, [record(2, 100)]);
  const encWal = logBytes(FileKind.WriteAheadLog, KEYS, [record(2, 100)]);

  it('matching: a plain log reads from 0 without a cipher, an encrypted one from its header on', () => {
    expect(openLog(plainManifest, '/m', FileKind.Manifest, NUMBER, undefined, '/db')).toEqual({ cipher: undefined, start: 0 });
    expect(openLog(plainWal, '/w', FileKind.WriteAheadLog, NUMBER, undefined, '/db')).toEqual({ cipher: undefined, start: 0 });
    const m = openLog(encManifest, '/m', FileKind.Manifest, NUMBER, KEYS, '/db')!;
    expect(m.start).toBe(ENCRYPTION_HEADER_SIZE);
    const got: Uint8Array[] = [];
    readLog(encManifest, '/m', NUMBER, (p) => got.push(p.slice()), { cipher: m.cipher, start: m.start });
    expect(got).toEqual([record(1, 100)]);
  });

  it('an encrypted manifest opened without keys: the caller must give option encryption (LSM_INVALID_ARGUMENT naming the store)', () => {
    const err = thrown(() => openLog(encManifest, '/db/MANIFEST-000004', FileKind.Manifest, NUMBER, undefined, '/db'));
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect(err.message).toContain('the store at /db is encrypted: open it with option encryption');
  });

  it('an encrypted write-ahead log in a store without keys is damage (LSM_CORRUPTION naming the log)', () => {
    const err = thrown(() => openLog(encWal, '/db/000004.log', FileKind.WriteAheadLog, NUMBER, undefined, '/db'));
    expect(err).toBeInstanceOf(CorruptionError);
    expect(err.message).toContain('/db/000004.log');
    expect(err.message).toContain('write-ahead log is encrypted, but the store is not');
  });

  it('a plain manifest opened with keys: the caller gave keys to a store that has none (LSM_INVALID_ARGUMENT)', () => {
    const err = thrown(() => openLog(plainManifest, '/db/MANIFEST-000004', FileKind.Manifest, NUMBER, KEYS, '/db'));
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect(err.message).toContain('the store at /db is not encrypted, but option encryption was given');
  });

  it('a manifest that starts with neither the magic nor a valid record is damage, with or without keys given', () => {
    const bad = plainManifest.slice();
    bad[0]! ^= 0xff; // the first record's checksum
    const err = thrown(() => openLog(bad, '/db/MANIFEST-000004', FileKind.Manifest, NUMBER, KEYS, '/db'));
    expect(err).toBeInstanceOf(CorruptionError);
    expect(err.message).toContain('first bytes are damaged');
  });

  it('a plain write-ahead log in an encrypted store is damage (LSM_CORRUPTION)', () => {
    const err = thrown(() => openLog(plainWal, '/db/000004.log', FileKind.WriteAheadLog, NUMBER, KEYS, '/db'));
    expect(err).toBeInstanceOf(CorruptionError);
    expect(err.message).toContain('write-ahead log is not encrypted, but the store is');
  });
});

describe('openLog: logs cut in or right after their header', () => {
  const encWal = logBytes(FileKind.WriteAheadLog, KEYS, []);
  const encManifest = logBytes(FileKind.Manifest, KEYS, []);

  it('a log of exactly its header has a cipher and no records', () => {
    expect(encWal.length).toBe(ENCRYPTION_HEADER_SIZE);
    const w = openLog(encWal, '/w', FileKind.WriteAheadLog, NUMBER, KEYS, '/db');
    expect(w).not.toBeNull();
    expect(w!.start).toBe(ENCRYPTION_HEADER_SIZE);
    expect(w!.cipher).toBeDefined();
    const res = readLog(encWal, '/w', NUMBER, () => {
      throw new Error('no record expected');
    }, { cipher: w!.cipher, start: w!.start });
    expect(res).toEqual({ records: 0, validLength: ENCRYPTION_HEADER_SIZE, tornTail: false, salvagedBytes: 0 });
    expect(openLog(encManifest, '/m', FileKind.Manifest, NUMBER, KEYS, '/db')!.start).toBe(ENCRYPTION_HEADER_SIZE);
  });

  it("a write-ahead log cut inside its header was never written to: null (no records); a manifest so cut is damage", () => {
    for (const n of [0, 1, ENCRYPTION_HEADER_SIZE - 1]) {
      expect(openLog(encWal.subarray(0, n), '/w', FileKind.WriteAheadLog, NUMBER, KEYS, '/db'), `${n} bytes`).toBeNull();
      const err = thrown(() => openLog(encManifest.subarray(0, n), '/db/MANIFEST-000004', FileKind.Manifest, NUMBER, KEYS, '/db'));
      expect(err).toBeInstanceOf(CorruptionError);
      expect(err.message).toContain(`manifest of ${n} bytes is too short for its encryption header`);
    }
  });
});

describe('records much larger than the writer’s first scratch buffer', () => {
  for (const keys of [undefined, KEYS]) {
    it(`${keys === undefined ? 'plain' : 'encrypted'}: 100 KiB, 300 KiB and 1 MiB records between small ones read back whole`, () => {
      const records = [record(1, 10), record(2, 100 << 10), record(3, 20), record(4, 300 << 10), record(5, 1 << 20), record(6, 30)];
      const data = logBytes(FileKind.WriteAheadLog, keys, records);
      const enc = openLog(data, '/w', FileKind.WriteAheadLog, NUMBER, keys, '/db')!;
      const got: Uint8Array[] = [];
      const res = readLog(data, '/w', NUMBER, (p) => got.push(p.slice()), { cipher: enc.cipher, start: enc.start });
      expect(got.length).toBe(records.length);
      for (let i = 0; i < records.length; i++) {
        expect(got[i]!.length, `record ${i}`).toBe(records[i]!.length);
        expect(Buffer.compare(got[i]!, records[i]!), `record ${i}`).toBe(0);
      }
      expect(res).toMatchObject({ records: records.length, tornTail: false, validLength: data.length });
    });
  }
});

describe('openLog with keys on a manifest without the magic: a store opened with the wrong option, or damage', () => {
  // What a user would see go wrong: told to drop option encryption for a store whose manifest
  // is merely damaged (or told it is damaged when it is plainly unencrypted).
  const seed = logChecksumSeed(NUMBER);
  /** 100 bytes starting with a fragment header of `type` and length field `len`, checksummed over what follows (as far as the data goes). */
  function manifestStart(type: number, len: number): Uint8Array {
    const d = new Uint8Array(100);
    for (let i = LOG_HEADER_SIZE; i < d.length; i++) d[i] = (i * 13) & 0xff;
    d[4] = len & 0xff;
    d[5] = len >>> 8;
    d[6] = type;
    const crc = xxh32(d.subarray(6, Math.min(d.length, LOG_HEADER_SIZE + len)), seed);
    d[0] = crc & 0xff;
    d[1] = (crc >>> 8) & 0xff;
    d[2] = (crc >>> 16) & 0xff;
    d[3] = crc >>> 24;
    return d;
  }
  const open = (d: Uint8Array): Error => thrown(() => openLog(d, '/db/MANIFEST-000004', FileKind.Manifest, NUMBER, KEYS, '/db'));

  it('a first fragment of a known type whose checksum holds: the store is plain, the option is wrong', () => {
    for (const type of [1, 2, 3, 4]) expect(open(manifestStart(type, 50)), `type ${type}`).toBeInstanceOf(InvalidArgumentError);
  });

  it('an unknown fragment type, even with a checksum that holds, is damage', () => {
    for (const type of [0, 5, 200]) expect(open(manifestStart(type, 50)), `type ${type}`).toBeInstanceOf(CorruptionError);
  });

  it('a length running past the data is damage, even when the bytes that are there check out', () => {
    expect(open(manifestStart(1, 93))).toBeInstanceOf(InvalidArgumentError); // exactly to the end
    for (const len of [94, 200, 40000]) expect(open(manifestStart(1, len)), `length ${len}`).toBeInstanceOf(CorruptionError);
  });
});
