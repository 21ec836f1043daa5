// Internal keys: user key + sequence number + value type, the unit every table, memtable
// and merge orders by. Order: user key ascending (comparator), then seqno descending, so
// the newest version of a key comes first. On disk an internal key is the user key
// followed by an 8-byte trailer: byte 0 is the value type, bytes 1..7 the seqno
// (56-bit little-endian) -- i.e. LevelDB's fixed64 LE of (seqno << 8 | type).

import { InvalidArgumentError } from './errors.js';
import { shownValue } from './shown-value.js';

/** What an entry is. Numeric values are the on-disk type byte. */
export const ValueType = {
  /** A deletion: hides older versions of the key. */
  Tombstone: 0,
  /** A plain value. */
  Value: 1,
  /** A merge operand, to be combined by the engine's merge operator with older entries. */
  Merge: 2,
  /** A single ("weak") delete: cancels exactly one older value (RocksDB SingleDelete). */
  WeakTombstone: 3,
  /** A value stored elsewhere: the value bytes are a pointer into a blob file (K/V separation). */
  Indirection: 4,
} as const;
/** One of the ValueType codes. */
export type ValueType = (typeof ValueType)[keyof typeof ValueType];

/** Type byte of range-tombstone keys in the range-tombstone block (never a point entry). */
export const RANGE_TOMBSTONE_TYPE = 0x0f;

/** Largest type byte a point entry may carry. */
export const MAX_VALUE_TYPE = 4;

/** Human-readable names, for tools and messages. */
export const VALUE_TYPE_NAMES: readonly string[] = ['tombstone', 'value', 'merge', 'weak-tombstone', 'indirection'];

/** Largest sequence number: JS safe integers (stored in 56 bits on disk). */
export const MAX_SEQNO = Number.MAX_SAFE_INTEGER;

/** Largest user key, in bytes. */
export const MAX_KEY_LENGTH = 65535;

/** Largest value, in bytes. */
export const MAX_VALUE_LENGTH = 0xffffffff;

/** Size of the trailer that follows the user key in an encoded internal key. */
export const TRAILER_SIZE = 8;

/** Throws InvalidArgumentError unless `seqno` is a safe integer in [0, 2^53-1]. */
export function checkSeqno(seqno: number, what = 'sequence number'): void {
  if (!Number.isSafeInteger(seqno) || seqno < 0) {
    throw new InvalidArgumentError(`${what} must be a safe integer >= 0, got ${shownValue(seqno)}`);
  }
}

/** Throws InvalidArgumentError unless `key` is a Uint8Array of at most 65,535 bytes. */
export function checkUserKey(key: Uint8Array, what = 'key'): void {
  if (!(key instanceof Uint8Array)) throw new InvalidArgumentError(`${what} must be a Uint8Array`);
  if (key.length > MAX_KEY_LENGTH) {
    throw new InvalidArgumentError(`${what} is ${key.length} bytes; the limit is ${MAX_KEY_LENGTH}`);
  }
}

/**
 * Cheap argument checks for lookups and seeks (any length is fine for a probe): the key
 * must be a Uint8Array and the seqno a safe integer >= 0.
 */
export function checkProbe(key: Uint8Array, seqno: number): void {
  if (!(key instanceof Uint8Array)) throw new InvalidArgumentError('key must be a Uint8Array');
  if (!Number.isSafeInteger(seqno) || seqno < 0) throw new InvalidArgumentError(`sequence number must be a safe integer >= 0, got ${shownValue(seqno)}`);
}

/** Throws InvalidArgumentError unless `value` is a Uint8Array of at most 2^32-1 bytes. */
export function checkValue(value: Uint8Array): void {
  if (!(value instanceof Uint8Array)) throw new InvalidArgumentError('value must be a Uint8Array');
  if (value.length > MAX_VALUE_LENGTH) {
    throw new InvalidArgumentError(`value is ${value.length} bytes; the limit is ${MAX_VALUE_LENGTH}`);
  }
}

/** Throws InvalidArgumentError unless `type` is a point-entry ValueType. */
export function checkValueType(type: number): asserts type is ValueType {
  if (!Number.isInteger(type) || type < 0 || type > MAX_VALUE_TYPE) {
    throw new InvalidArgumentError(`unknown value type ${String(type)}`);
  }
}

/** Writes the 8-byte trailer (type, then 7-byte LE seqno) at `off`. */
export function putTrailer(buf: Uint8Array, off: number, seqno: number, type: number): void {
  buf[off] = type;
  const lo = seqno >>> 0;
  const hi = Math.floor(seqno / 0x100000000);
  buf[off + 1] = lo & 0xff;
  buf[off + 2] = (lo >>> 8) & 0xff;
  buf[off + 3] = (lo >>> 16) & 0xff;
  buf[off + 4] = (lo >>> 24) & 0xff;
  buf[off + 5] = hi & 0xff;
  buf[off + 6] = (hi >>> 8) & 0xff;
  buf[off + 7] = (hi >>> 16) & 0xff;
}

/**
 * Reads the seqno of the trailer at `off`. Values above 2^53-1 (only possible on damaged
 * data) come back as -1 so callers can report corruption.
 */
export function getTrailerSeqno(buf: Uint8Array, off: number): number {
  const lo = (buf[off + 1]! | (buf[off + 2]! << 8) | (buf[off + 3]! << 16) | (buf[off + 4]! << 24)) >>> 0;
  const hi = buf[off + 5]! | (buf[off + 6]! << 8) | (buf[off + 7]! << 16);
  if (hi > 0x1fffff) return -1;
  return hi * 0x100000000 + lo;
}

/** Encodes user key + trailer into a new buffer. */
export function encodeInternalKey(userKey: Uint8Array, seqno: number, type: number): Uint8Array {
  const out = new Uint8Array(userKey.length + TRAILER_SIZE);
  out.set(userKey);
  putTrailer(out, userKey.length, seqno, type);
  return out;
}

/** A decoded internal key. */
export interface InternalKey {
  readonly userKey: Uint8Array;
  readonly seqno: number;
  readonly type: number;
}

/**
 * Decodes an encoded internal key (the user key is a view). Returns undefined when the
 * bytes are too short or the seqno is out of range.
 */
export function decodeInternalKey(bytes: Uint8Array): InternalKey | undefined {
  if (bytes.length < TRAILER_SIZE) return undefined;
  const ukLen = bytes.length - TRAILER_SIZE;
  const seqno = getTrailerSeqno(bytes, ukLen);
  if (seqno < 0) return undefined;
  return { userKey: bytes.subarray(0, ukLen), seqno, type: bytes[ukLen]! };
}
