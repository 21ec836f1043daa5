// Reads a write-ahead log back. A damaged or incomplete stretch with nothing valid after
// it is a torn tail (the crash interrupted the last write): reading stops there cleanly.
// A damaged stretch followed by valid fragments is damage in the middle: an
// LSM_CORRUPTION error naming file and offset, unless the caller asked to salvage, in
// which case the damaged records are skipped and counted.

import { BlockType, type FileCipher } from '@lsm/encryption';
import { CorruptionError, xxh32 } from '@lsm/base';
import { FragmentType, LOG_BLOCK_SIZE, LOG_HEADER_SIZE, logChecksumSeed } from './log-format.js';

/** What a full read of a log found. */
export interface LogReadResult {
  /** Number of complete records delivered. */
  records: number;
  /** Offset just past the last complete record: where a torn tail (if any) starts. */
  validLength: number;
  /** True when bytes after `validLength` were ignored as a torn tail. */
  tornTail: boolean;
  /** Bytes skipped because of damage in the middle (salvage mode only). */
  salvagedBytes: number;
}

/** How to read a log. */
export interface LogReadOptions {
  /** Skip damage in the middle instead of throwing (counted in salvagedBytes). */
  salvage?: boolean;
  /** Damage at the end is a torn write only when it looks like one (manifests). */
  strictTail?: boolean;
  /** An encrypted log's cipher: every record is authenticated and decrypted (failure: LSM_CORRUPTION). */
  cipher?: FileCipher;
  /** Where the framing starts (after an encrypted log's 64-byte header). Default 0. */
  start?: number;
  /**
   * The file offset of data[0] when `data` is a tail of the file (a multiple of the log
   * block size): offsets reported, authenticated and returned are file offsets. Default 0.
   */
  base?: number;
  /**
   * Salvage mode: told about every stretch skipped as damage (file offset, bytes, what
   * was wrong). With it, a record whose framing checks out but that fails to
   * authenticate (encrypted logs) or that `onRecord` rejects with an LSM_CORRUPTION
   * error is skipped and reported here too, instead of ending the read.
   */
  onDamage?: (offset: number, length: number, what: string) => void;
}

/**
 * Calls `onRecord` with every complete record of `data` (the whole log file), in order.
 * The payload view is only valid during the call when the record fit in one fragment.
 */
export function readLog(
  data: Uint8Array,
  fileName: string,
  logNumber: number,
  onRecord: (payload: Uint8Array, offset: number) => void,
  options?: LogReadOptions,
): LogReadResult {
  const seed = logChecksumSeed(logNumber);
  const salvage = options?.salvage === true;
  const strictTail = options?.strictTail === true;
  const cipher = options?.cipher;
  let records = 0;
  const base = options?.base ?? 0;
  let validLength = options?.start ?? 0;
  let salvagedBytes = 0;
  let pending: Uint8Array[] | null = null;
  let pendingStart = 0;
  let pos = validLength;
  // An encrypted record is checked fragment by fragment (XXH32, which keeps torn-tail
  // detection as it is), then authenticated as a whole: one that fails is never delivered.
  const onDamage = salvage ? options?.onDamage : undefined;
  const deliver = (payload: Uint8Array, offset: number, end: number): boolean => {
    if (onDamage === undefined) {
      onRecord(cipher === undefined ? payload : cipher.open(payload, base + offset, BlockType.LogRecord, 0, fileName), base + offset);
      return true;
    }
    try {
      onRecord(cipher === undefined ? payload : cipher.open(payload, base + offset, BlockType.LogRecord, 0, fileName), base + offset);
      return true;
    } catch (err) {
      if (!(err instanceof CorruptionError)) throw err;
      salvagedBytes += end - offset;
      onDamage(base + offset, end - offset, err.message);
      return false;
    }
  };

  /** A fragment that checks out at `at`, or null. */
  const fragmentAt = (at: number): { type: number; len: number } | null => {
    const blockLeft = LOG_BLOCK_SIZE - (at % LOG_BLOCK_SIZE);
    if (blockLeft < LOG_HEADER_SIZE || at + LOG_HEADER_SIZE > data.length) return null;
    const type = data[at + 6]!;
    const len = data[at + 4]! | (data[at + 5]! << 8);
    if (type < FragmentType.Full || type > FragmentType.Last) return null;
    if (LOG_HEADER_SIZE + len > blockLeft || at + LOG_HEADER_SIZE + len > data.length) return null;
    const crc = (data[at]! | (data[at + 1]! << 8) | (data[at + 2]! << 16) | (data[at + 3]! << 24)) >>> 0;
    if (xxh32(data.subarray(at + 6, at + 7 + len), seed) !== crc) return null;
    return { type, len };
  };

  /**
   * The offset of the first valid fragment after `from`: any offset in the rest of the
   * same block (a damaged length field hides where the next fragment starts), then the
   * start of every later block. -1 when there is none. Only runs on damage.
   */
  const findNextValid = (from: number): number => {
    const blockEnd = (Math.floor(from / LOG_BLOCK_SIZE) + 1) * LOG_BLOCK_SIZE;
    for (let i = from + 1; i < Math.min(blockEnd, data.length); i++) if (fragmentAt(i) !== null) return i;
    for (let b = blockEnd; b < data.length; b += LOG_BLOCK_SIZE) if (fragmentAt(b) !== null) return b;
    return -1;
  };

  /**
   * True when the damage at `at` can be a write the crash cut short: the file ends inside
   * the fragment its header describes, or nothing but zeros follows. A complete fragment
   * with a bad checksum is not: something changed bytes that were written whole.
   */
  const looksTorn = (at: number): boolean => {
    if (at + LOG_HEADER_SIZE > data.length) return true;
    const len = data[at + 4]! | (data[at + 5]! << 8);
    if (at + LOG_HEADER_SIZE + len > data.length) return true;
    for (let i = at; i < data.length; i++) if (data[i] !== 0) return false;
    return true;
  };

  /** Damage at `at`: stop (torn tail), throw, or resume at the next valid fragment (salvage). */
  const damaged = (at: number, what: string): 'stop' | 'skip' => {
    const next = findNextValid(at);
    if (next < 0) {
      if (strictTail && !looksTorn(at)) {
        throw new CorruptionError(fileName, base + at, `damaged last record (${what}); its bytes are complete, so this is not a torn write`);
      }
      return 'stop';
    }
    if (!salvage) throw new CorruptionError(fileName, base + at, `write-ahead log damaged in the middle: ${what}`);
    const from = pending === null ? at : pendingStart;
    salvagedBytes += next - from;
    onDamage?.(base + from, next - from, what);
    pending = null;
    pos = next;
    return 'skip';
  };

  while (pos < data.length) {
    const blockLeft = LOG_BLOCK_SIZE - (pos % LOG_BLOCK_SIZE);
    if (blockLeft < LOG_HEADER_SIZE) {
      // Block trailer padding: must be zeros, then the next block starts.
      let zeros = true;
      for (let i = pos; i < Math.min(pos + blockLeft, data.length); i++) if (data[i] !== 0) zeros = false;
      if (!zeros && damaged(pos, 'non-zero block padding') === 'stop') break;
      if (zeros) pos += blockLeft;
      continue;
    }
    const frag = fragmentAt(pos);
    if (frag === null) {
      if (damaged(pos, 'bad fragment header or checksum') === 'stop') break;
      continue;
    }
    const body = data.subarray(pos + LOG_HEADER_SIZE, pos + LOG_HEADER_SIZE + frag.len);
    const at = pos;
    if (frag.type === FragmentType.Full || frag.type === FragmentType.First) {
      if (pending !== null) {
        // A new record began before the previous one ended: the previous one is damaged.
        if (damaged(pendingStart, 'record interrupted by the start of another') === 'stop') break;
        continue;
      }
    } else if (pending === null) {
      if (damaged(at, 'continuation fragment without a start') === 'stop') break;
      continue;
    }
    pos += LOG_HEADER_SIZE + frag.len;
    if (frag.type === FragmentType.Full) {
      if (deliver(body, at, pos)) records++;
      validLength = pos;
    } else if (frag.type === FragmentType.First) {
      pending = [body];
      pendingStart = at;
    } else if (frag.type === FragmentType.Middle) {
      pending!.push(body);
    } else {
      const parts: Uint8Array[] = pending!;
      parts.push(body);
      let total = 0;
      for (const part of parts) total += part.length;
      const whole = new Uint8Array(total);
      let o = 0;
      for (const part of parts) {
        whole.set(part, o);
        o += part.length;
      }
      pending = null;
      if (deliver(whole, pendingStart, pos)) records++;
      validLength = pos;
    }
  }
  return { records, validLength: base + validLength, tornTail: validLength < data.length, salvagedBytes };
}
