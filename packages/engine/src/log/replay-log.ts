// Replays one write-ahead log: reads it whole, checks its encryption against the store's
// keys, and hands every operation of every batch record to `visit` with its seqno, in
// log order. Recovery replays logs into a memtable.

import { type Fs, readFile } from '@lsm/fs';
import { toIoError } from '@lsm/base';
import { ENCRYPTION_HEADER_SIZE, FileKind, type KeyRing } from '@lsm/encryption';
import { logFileName } from '../file-names.js';
import { visitBatch } from '../write/batch-codec.js';
import { openLog } from './log-encryption.js';
import { LOG_BLOCK_SIZE } from './log-format.js';
import { readLog } from './log-reader.js';

/** How a replay treats damage and what it read. */
export interface ReplayOptions {
  /** Skip damaged records instead of failing with LSM_CORRUPTION. */
  salvage: boolean;
}

/**
 * Replays log `number` of `dir`. Returns the bytes read (0 when the log's encryption
 * header never became durable: a log with no records). I/O failures are LSM_IO.
 */
export function replayLog(
  fs: Fs,
  dir: string,
  number: number,
  keys: KeyRing | undefined,
  opts: ReplayOptions,
  visit: (seqno: number, type: number, key: Uint8Array, value: Uint8Array) => void,
): number {
  return replayLogTail(fs, dir, number, keys, opts, 0, visit).bytes;
}

/**
 * Replays the records of log `number` that start at or after offset `from` (0, or an
 * `end` an earlier call returned: a record boundary). Returns the bytes read and `end`,
 * the offset just past the last complete record: a log still being written (a live
 * primary's) may end in a record not yet complete, which the next call reads from there.
 */
export function replayLogTail(
  fs: Fs,
  dir: string,
  number: number,
  keys: KeyRing | undefined,
  opts: ReplayOptions,
  from: number,
  visit: (seqno: number, type: number, key: Uint8Array, value: Uint8Array) => void,
): { bytes: number; end: number } {
  return replayLogRecords(fs, dir, number, keys, opts, from, (rec, path, offset) => {
    visitBatch(rec, path, offset, visit);
  });
}

/**
 * The reader under replayLogTail: hands out whole batch records (`rec`, read from `path`
 * at `offset`) instead of operations.
 */
export function replayLogRecords(
  fs: Fs,
  dir: string,
  number: number,
  keys: KeyRing | undefined,
  opts: ReplayOptions,
  from: number,
  onRecord: (rec: Uint8Array, path: string, offset: number) => void,
): { bytes: number; end: number } {
  const path = `${dir}/${logFileName(number)}`;
  let data: Uint8Array;
  let head: Uint8Array;
  // From a record boundary past the start, only the blocks from the one holding it are
  // read (and the encryption header): a follower replays a growing log in slices.
  const base = Math.floor(from / LOG_BLOCK_SIZE) * LOG_BLOCK_SIZE;
  try {
    if (base === 0) {
      data = head = readFile(fs, path);
    } else {
      const f = fs.open(path, { read: true });
      try {
        const size = f.size();
        head = new Uint8Array(Math.min(size, ENCRYPTION_HEADER_SIZE));
        f.read(head, 0);
        data = new Uint8Array(Math.max(0, size - base));
        f.read(data, base);
      } finally {
        f.close();
      }
    }
  } catch (err) {
    throw toIoError(err, `reading write-ahead log ${path}`);
  }
  const crypt = openLog(head, path, FileKind.WriteAheadLog, number, keys, dir);
  if (crypt === null) return { bytes: 0, end: 0 }; // created, but its header never became durable: no records
  const read = readLog(
    data,
    path,
    number,
    (rec, offset) => onRecord(rec, path, offset),
    { salvage: opts.salvage, cipher: crypt.cipher, start: Math.max(crypt.start, from) - base, base },
  );
  return { bytes: data.length, end: read.validLength };
}
