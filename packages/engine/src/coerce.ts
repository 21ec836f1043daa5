// Turns the API's keys and values (Uint8Array or string) into bytes, with the checks
// the error contract promises: a clear LSM_INVALID_ARGUMENT naming what was wrong.

import { InvalidArgumentError, MAX_KEY_LENGTH, MAX_VALUE_LENGTH } from '@lsm/base';

/** A key or value as the public API accepts it. */
export type Bytes = Uint8Array | string;

const utf8 = new TextEncoder();

/** Encodes a key; rejects other types and keys over 65,535 bytes. */
export function toKey(key: unknown, what = 'key'): Uint8Array {
  let k: Uint8Array;
  if (key instanceof Uint8Array) k = key;
  else if (typeof key === 'string') k = utf8.encode(key);
  else throw new InvalidArgumentError(`${what} must be a Uint8Array or a string, got ${describe(key)}`);
  if (k.length > MAX_KEY_LENGTH) throw new InvalidArgumentError(`${what} is ${k.length} bytes; the limit is ${MAX_KEY_LENGTH}`);
  return k;
}

/** Encodes a value; rejects other types and values over 2^32 - 1 bytes. */
export function toValue(value: unknown, what = 'value'): Uint8Array {
  let v: Uint8Array;
  if (value instanceof Uint8Array) v = value;
  else if (typeof value === 'string') v = utf8.encode(value);
  else throw new InvalidArgumentError(`${what} must be a Uint8Array or a string, got ${describe(value)}`);
  if (v.length > MAX_VALUE_LENGTH) throw new InvalidArgumentError(`${what} is ${v.length} bytes; the limit is ${MAX_VALUE_LENGTH}`);
  return v;
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  return typeof x === 'object' ? (x.constructor?.name ?? 'an object') : typeof x;
}
