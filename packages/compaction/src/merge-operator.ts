// Merge operators: the user's read-modify-write function, run lazily by reads (which fold
// the operands they meet onto the base value) and by compaction (which folds operands into
// a value once it reaches the key's base or a deletion). The store records the operator's
// name and refuses to open with another one, because operands written for one operator
// mean nothing to another. Two operators ship: a little-endian u64 counter and a byte
// append with a separator. Promises: the built-ins never return a view into their inputs
// (results are fresh arrays) and reject malformed operands with LSM_INVALID_ARGUMENT at
// write time (validateOperand) and at merge time.

import { InvalidArgumentError, copyOf, shownValue } from '@lsm/base';

/** A user-defined merge: folds operands onto an existing value. Must be deterministic. */
export interface MergeOperator {
  /** Stored in the store; reopening with another name fails. Printable, at most 200 characters. */
  readonly name: string;
  /**
   * The value after applying `operands` (oldest first) to `existing` (undefined when the
   * key has no value: never written, or deleted). Must not mutate its arguments. May throw:
   * the read or compaction that called it fails with that error and nothing is changed.
   */
  merge(key: Uint8Array, existing: Uint8Array | undefined, operands: readonly Uint8Array[]): Uint8Array;
  /** Optional: throws when `operand` can never be merged, so tree.merge refuses it up front. */
  validateOperand?(operand: Uint8Array): void;
  /**
   * Optional: combines `operands` (oldest first, at least two) into one operand with the
   * same effect: `merge(key, e, [partialMerge(key, operands)])` must equal
   * `merge(key, e, operands)` for every `e`, undefined included (RocksDB's PartialMerge).
   * The engine uses it for several operands of one key in one write batch; without it,
   * it reads the key and folds them onto its value at commit.
   */
  partialMerge?(key: Uint8Array, operands: readonly Uint8Array[]): Uint8Array;
}

/** Checks that `op` looks like a MergeOperator; throws LSM_INVALID_ARGUMENT naming `what`. */
export function checkMergeOperator(op: unknown, what: string): MergeOperator {
  const o = op as Partial<MergeOperator> | null;
  if (typeof o !== 'object' || o === null) throw new InvalidArgumentError(`${what} must be an object with name and merge()`);
  if (typeof o.name !== 'string' || o.name.length === 0 || o.name.length > 200) {
    throw new InvalidArgumentError(`${what}.name must be a non-empty string of at most 200 characters`);
  }
  if (typeof o.merge !== 'function') throw new InvalidArgumentError(`${what}.merge must be a function`);
  if (o.validateOperand !== undefined && typeof o.validateOperand !== 'function') {
    throw new InvalidArgumentError(`${what}.validateOperand must be a function when given`);
  }
  if (o.partialMerge !== undefined && typeof o.partialMerge !== 'function') {
    throw new InvalidArgumentError(`${what}.partialMerge must be a function when given`);
  }
  return o as MergeOperator;
}

const TWO64 = 1n << 64n;

function readU64(b: Uint8Array, what: string): bigint {
  if (b.length !== 8) throw new InvalidArgumentError(`counter ${what} must be 8 bytes (little-endian u64), got ${b.length}`);
  return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
}

/** Encodes `n` (0 <= n < 2^64, number or bigint) as the 8-byte little-endian operand of `counterAdd`. */
export function encodeU64(n: number | bigint): Uint8Array {
  const v = typeof n === 'bigint' ? n : BigInt(n);
  if (v < 0n || v >= TWO64) throw new InvalidArgumentError(`counter value must be in [0, 2^64), got ${shownValue(n)}`);
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, v, true);
  return out;
}

/** Decodes an 8-byte little-endian counter value. */
export function decodeU64(b: Uint8Array): bigint {
  return readU64(b, 'value');
}

/**
 * A 64-bit counter: values and operands are 8-byte little-endian unsigned integers; merging
 * adds modulo 2^64 (subtract by adding 2^64 - n). A missing value counts as 0. Operands
 * combine into their sum (partialMerge).
 */
export const counterAdd: MergeOperator = Object.freeze({
  name: 'lsm.counter-add.u64le',
  merge(_key: Uint8Array, existing: Uint8Array | undefined, operands: readonly Uint8Array[]): Uint8Array {
    let sum = existing === undefined ? 0n : readU64(existing, 'value');
    for (const op of operands) sum = (sum + readU64(op, 'operand')) % TWO64;
    return encodeU64(sum);
  },
  partialMerge(key: Uint8Array, operands: readonly Uint8Array[]): Uint8Array {
    return counterAdd.merge(key, undefined, operands);
  },
  validateOperand(operand: Uint8Array): void {
    readU64(operand, 'operand');
  },
});

/**
 * Appends operands to the value, `separator` between pieces (none before the first piece
 * of a missing value). The separator is part of the name, so a store written with one
 * separator cannot be reopened with another. Operands combine into one joined by the
 * separator (partialMerge).
 */
export function appendWithSeparator(separator: Uint8Array | string = ''): MergeOperator {
  const sep = typeof separator === 'string' ? new TextEncoder().encode(separator) : separator instanceof Uint8Array ? copyOf(separator) : separator;
  if (!(sep instanceof Uint8Array) || sep.length > 64) throw new InvalidArgumentError('append separator must be at most 64 bytes');
  const hex = Array.from(sep, (x) => x.toString(16).padStart(2, '0')).join('');
  const op: MergeOperator = Object.freeze({
    name: `lsm.append(sep=${hex})`,
    partialMerge(key: Uint8Array, operands: readonly Uint8Array[]): Uint8Array {
      return op.merge(key, undefined, operands);
    },
    merge(_key: Uint8Array, existing: Uint8Array | undefined, operands: readonly Uint8Array[]): Uint8Array {
      let n = existing === undefined ? 0 : existing.length;
      let pieces = existing === undefined ? 0 : 1;
      for (const op of operands) n += op.length;
      pieces += operands.length;
      n += Math.max(0, pieces - 1) * sep.length;
      const out = new Uint8Array(n);
      let at = 0;
      let first = true;
      const put = (b: Uint8Array): void => {
        if (!first) {
          out.set(sep, at);
          at += sep.length;
        }
        first = false;
        out.set(b, at);
        at += b.length;
      };
      if (existing !== undefined) put(existing);
      for (const op of operands) put(op);
      return out;
    },
  });
  return op;
}
