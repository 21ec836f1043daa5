// replayLogRecords / replayLogTail: replaying a log whole, or from a record boundary an
// earlier replay returned (a secondary following a growing log reads only the blocks
// from there on). For plaintext and encrypted logs, records of every size (many spanning
// blocks): a replay from the start of record k hands out exactly records k.., at the same
// offsets; a log cut inside its last record ends at that record's start (`end`), and the
// next replay from there gets it once the log has grown.

import { FileKind, KeyRing } from '@lsm/encryption';
import { MemFs, readFile } from '@lsm/fs';
import { logChecksumSeed } from '../src/log/log-format.js';
import { trackHandles } from './helpers.js';
import { describe, expect, it } from 'vitest';
import { logFileName } from '../src/file-names.js';
import { startLog } from '../src/log/log-encryption.js';
import { LOG_BLOCK_SIZE } from '../src/log/log-format.js';
import { replayLogRecords } from '../src/log/replay-log.js';

const DIR = '/db';
const NUMBER = 9;
const KEYS = KeyRing.from({ key: new Uint8Array(32).fill(3) });

function payload(i: number): Uint8Array {
  // Sizes from 1 byte to more than two blocks.
  const len = 1 + ((i * 7919) % (LOG_BLOCK_SIZE * 2 + 500));
  const p = new Uint8Array(len);
  for (let j = 0; j < len; j++) p[j] = (i * 31 + j) & 0xff;
  return p;
}

function writeLog(fs: MemFs, keys: KeyRing | undefined, count: number): Uint8Array[] {
  fs.createDirAll(DIR);
  const file = fs.open(`${DIR}/${logFileName(NUMBER)}`, { write: true, create: true });
  const w = startLog(file, NUMBER, FileKind.WriteAheadLog, keys, true);
  const written: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    written.push(payload(i));
    w.addRecord(written[i]!);
  }
  file.close();
  return written;
}

function replay(fs: MemFs, keys: KeyRing | undefined, from: number): { recs: Uint8Array[]; offsets: number[]; bytes: number; end: number } {
  const recs: Uint8Array[] = [];
  const offsets: number[] = [];
  const r = replayLogRecords(fs, DIR, NUMBER, keys, { salvage: false }, from, (rec, path, offset) => {
    expect(path).toBe(`${DIR}/${logFileName(NUMBER)}`);
    recs.push(rec.slice());
    offsets.push(offset);
  });
  return { recs, offsets, ...r };
}

for (const [name, keys] of [
  ['plaintext', undefined],
  ['encrypted', KEYS],
] as const) {
  describe(`replaying a ${name} log`, () => {
    it('whole: every record in order; end is the file size, bytes what was read', () => {
      const fs = new MemFs();
      const written = writeLog(fs, keys, 40);
      const size = fs.metadata(`${DIR}/${logFileName(NUMBER)}`).size;
      expect(size).toBeGreaterThan(LOG_BLOCK_SIZE * 10);
      const all = replay(fs, keys, 0);
      expect(all.recs).toEqual(written);
      expect(all.end).toBe(size);
      expect(all.bytes).toBe(size);
      // Offsets are record starts, ascending.
      for (let i = 1; i < all.offsets.length; i++) expect(all.offsets[i]!).toBeGreaterThan(all.offsets[i - 1]!);
    });

    it('from the start of record k: exactly records k.., at the same offsets, reading only from its block on', () => {
      const fs = new MemFs();
      const written = writeLog(fs, keys, 40);
      const size = fs.metadata(`${DIR}/${logFileName(NUMBER)}`).size;
      const all = replay(fs, keys, 0);
      for (const k of [1, 2, 7, 13, 20, 33, 39]) {
        const from = all.offsets[k]!;
        const tail = replay(fs, keys, from);
        expect(tail.recs).toEqual(written.slice(k));
        expect(tail.offsets).toEqual(all.offsets.slice(k));
        expect(tail.end).toBe(size);
        // Only the blocks from the one holding `from` were read.
        expect(tail.bytes).toBe(size - Math.floor(from / LOG_BLOCK_SIZE) * LOG_BLOCK_SIZE);
      }
    });

    it('a log cut inside its last record ends before it; the next replay from there gets it', () => {
      const fs = new MemFs();
      const written = writeLog(fs, keys, 12);
      const path = `${DIR}/${logFileName(NUMBER)}`;
      const whole = readFile(fs, path);
      const all = replay(fs, keys, 0);
      const lastStart = all.offsets[11]!;
      // The file as a live writer may leave it: the last record half written.
      const cut = lastStart + Math.max(1, Math.floor((whole.length - lastStart) / 2));
      const f = fs.open(path, { write: true, truncate: true });
      f.write(whole.subarray(0, cut));
      f.close();
      const partial = replay(fs, keys, 0);
      expect(partial.recs).toEqual(written.slice(0, 11));
      expect(partial.end).toBe(lastStart);
      // The writer finishes the record; a replay from `end` picks it up, and only it.
      const g = fs.open(path, { write: true, truncate: true });
      g.write(whole);
      g.close();
      const rest = replay(fs, keys, partial.end);
      expect(rest.recs).toEqual([written[11]]);
      expect(rest.end).toBe(whole.length);
    });
  });
}

describe('replaying a log that is missing or was never completed', () => {
  it('a missing log is LSM_IO naming its path', () => {
    const fs = new MemFs();
    fs.createDirAll(DIR);
    const path = `${DIR}/${logFileName(NUMBER)}`;
    for (const from of [0, LOG_BLOCK_SIZE + 10]) {
      let err: unknown;
      try {
        replay(fs, undefined, from);
      } catch (e) {
        err = e;
      }
      expect(err).toMatchObject({ code: 'LSM_IO' });
      expect((err as Error).message).toContain(`reading write-ahead log ${path}`);
    }
  });

  it("an encrypted store's log cut inside its header (a crash while creating it) has no records", () => {
    for (const size of [0, 10, 63]) {
      const fs = new MemFs();
      fs.createDirAll(DIR);
      const f = fs.open(`${DIR}/${logFileName(NUMBER)}`, { write: true, create: true });
      f.write(new Uint8Array(size).fill(0x4c));
      f.close();
      expect(replay(fs, KEYS, 0)).toEqual({ recs: [], offsets: [], bytes: 0, end: 0 });
    }
  });
});

describe('replaying leaves nothing open', () => {
  // What a user would see go wrong: a follower replaying a growing log every few
  // milliseconds would leak a descriptor per call until the process runs out.
  it('a replay from a later block closes the file it opened, also when the log is encrypted', () => {
    for (const keys of [undefined, KEYS]) {
      const mem = new MemFs();
      writeLog(mem, keys, 12);
      const { fs, open } = trackHandles(mem);
      const starts: number[] = [];
      const all = replayLogRecords(fs, DIR, NUMBER, keys, { salvage: false }, 0, (_rec, _path, offset) => starts.push(offset));
      // Record starts past the first block: replays that open the file and read a tail.
      const later = starts.filter((o) => o >= LOG_BLOCK_SIZE);
      expect(later.length).toBeGreaterThan(3);
      for (const from of later) replayLogRecords(fs, DIR, NUMBER, keys, { salvage: false }, from, () => {});
      expect(all.end).toBeGreaterThan(2 * LOG_BLOCK_SIZE);
      expect([...open]).toEqual([]);
    }
  });
});

describe('log checksum seeds', () => {
  // A fragment is bound to its log's number: a fragment of another log (a recycled or
  // misplaced file) fails its check, also for numbers past 2^32.
  it('differ between logs whose numbers agree in their low 32 bits', () => {
    for (const n of [0, 5, 0xffffffff]) {
      expect(logChecksumSeed(n + 2 ** 32)).not.toBe(logChecksumSeed(n));
      expect(logChecksumSeed(n + 2 ** 33)).not.toBe(logChecksumSeed(n + 2 ** 32));
    }
  });
});

