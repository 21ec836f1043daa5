// Replays one write-ahead log: reads it whole, checks its encryption against the store's
// keys, and hands every operation of every batch record to `visit` with its seqno, in
// log order. Recovery replays logs into a memtable; a flush job on a worker rebuilds a
// sealed memtable's entries from its log the same way.

import { type Fs, readFile } from '@lsm/fs';
import { toIoError } from '@lsm/base';
import { FileKind, type KeyRing } from '@lsm/encryption';
import { logFileName } from '../file-names.js';
import { visitBatch } from '../write/batch-codec.js';
import { openLog } from './log-encryption.js';
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
  const path = `${dir}/${logFileName(number)}`;
  let data: Uint8Array;
  try {
    data = readFile(fs, path);
  } catch (err) {
    throw toIoError(err, `reading write-ahead log ${path}`);
  }
  const crypt = openLog(data, path, FileKind.WriteAheadLog, number, keys, dir);
  if (crypt === null) return 0; // created, but its header never became durable: no records
  readLog(
    data,
    path,
    number,
    (rec, offset) => {
      visitBatch(rec, path, offset, visit);
    },
    { salvage: opts.salvage, cipher: crypt.cipher, start: crypt.start },
  );
  return data.length;
}
