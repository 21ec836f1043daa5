// What a reader sees of one user key, from the versions it can see: the newest version at
// or below the read seqno decides, unless it is a merge operand, in which case operands
// are gathered (newest first) down to a base — a value, a deletion, a range tombstone
// that covers the next version, or the bottom of the tree — and folded onto it by the
// merge operator. Shared by point reads (newest-first feeding) and iterators; reverse
// iteration, which meets versions oldest first, uses OldestFirstFold. A blob pointer
// (Indirection, K/V separation) is a value read through `readBlob` only when it is the
// base the reader needs: never for a version that is hidden or shadowed. Promises: the
// result is a fresh copy the caller owns; operands met without an operator fail with
// LSM_INVALID_ARGUMENT; an operator's exception propagates and changes nothing.

import type { MergeOperator } from '@lsm/compaction';
import { InvalidArgumentError, ValueType } from '@lsm/base';
import { copyBytes } from '../memtable/byte-slab.js';

/** Applies `operands` (oldest first) to `base`; copies the operator's result. */
/** Reads the value a blob pointer names (K/V separation). */
export type BlobReader = (key: Uint8Array, pointer: Uint8Array) => Uint8Array;

export function applyMerge(
  op: MergeOperator | undefined,
  key: Uint8Array,
  base: Uint8Array | undefined,
  operands: readonly Uint8Array[],
): Uint8Array {
  if (op === undefined) {
    throw new InvalidArgumentError('the key holds merge operands but the store was opened without a mergeOperator');
  }
  const out = op.merge(key, base, operands);
  if (!(out instanceof Uint8Array)) {
    throw new InvalidArgumentError(`merge operator '${op.name}' returned ${out === null ? 'null' : typeof out}, not a Uint8Array`);
  }
  // The operator may hand back one of its inputs, which can be a view into a cached block.
  return copyBytes(out);
}

function unsupported(type: number): never {
  throw new InvalidArgumentError(`an entry of type ${type} needs a feature this store was not opened with`);
}

/**
 * One key's versions fed newest first. `push` returns true once the key is resolved;
 * `end` resolves a chain that ran out of versions (the bottom of the tree).
 */
export class VersionChain {
  /** Seqno of the newest range tombstone covering the key at the read seqno (-1: none). */
  tomb = -1;
  private key: Uint8Array = new Uint8Array(0);
  /** Merge operands gathered so far, newest first (copies). */
  private readonly operands: Uint8Array[] = [];
  private resolved = false;
  private value: Uint8Array | undefined;

  constructor(
    private readonly op: MergeOperator | undefined,
    private readonly readBlob?: BlobReader,
  ) {}

  /** Starts a new key. */
  reset(key: Uint8Array, tomb: number): void {
    this.key = key;
    this.tomb = tomb;
    this.operands.length = 0;
    this.resolved = false;
    this.value = undefined;
  }

  /** True when the key's value is known. */
  get done(): boolean {
    return this.resolved;
  }

  /** The resolved value (undefined: deleted or absent). Valid once `done`. */
  get result(): Uint8Array | undefined {
    return this.value;
  }

  /** Raises the covering tombstone seqno (a source's tombstones were consulted). */
  cover(seqno: number): void {
    if (seqno > this.tomb) this.tomb = seqno;
  }

  /** True when some merge operand was met (the chain is waiting for its base). */
  get hasOperands(): boolean {
    return this.operands.length > 0;
  }

  /** Feeds the next older visible version; true when the key is resolved. */
  push(type: number, seqno: number, value: Uint8Array): boolean {
    if (seqno < this.tomb) return this.base(undefined);
    switch (type) {
      case ValueType.Value:
        return this.base(value);
      case ValueType.Tombstone:
      case ValueType.WeakTombstone:
        return this.base(undefined);
      case ValueType.Merge:
        this.operands.push(copyBytes(value));
        return false;
      case ValueType.Indirection:
        if (this.readBlob === undefined) return unsupported(type);
        return this.base(this.readBlob(this.key, value));
      default:
        return unsupported(type);
    }
  }

  /** Resolves as deleted below this point (a covering range tombstone hides every older version). */
  hiddenBelow(): true {
    return this.base(undefined);
  }

  /** No older version exists: resolves against "no value". */
  end(): Uint8Array | undefined {
    if (!this.resolved) this.base(undefined);
    return this.value;
  }

  private base(v: Uint8Array | undefined): true {
    const ops = this.operands;
    if (ops.length === 0) this.value = v === undefined ? undefined : copyBytes(v);
    else {
      ops.reverse();
      this.value = applyMerge(this.op, this.key, v, ops);
    }
    this.resolved = true;
    return true;
  }
}

/**
 * Folds one key's visible versions met oldest first (reverse iteration). Each non-merge
 * version (or one hidden by the covering tombstone) restarts the chain; operands on top
 * of it accumulate.
 */
export class OldestFirstFold {
  private baseValue: Uint8Array | undefined;
  /** `baseValue` is a blob pointer, read only if it is still the base at the end. */
  private baseIsPointer = false;
  private readonly operands: Uint8Array[] = [];
  private seen = false;

  constructor(
    private readonly op: MergeOperator | undefined,
    private readonly readBlob?: BlobReader,
  ) {}

  reset(): void {
    this.baseIsPointer = false;
    this.baseValue = undefined;
    this.operands.length = 0;
    this.seen = false;
  }

  /** Feeds the next newer visible version. `tomb`: the covering tombstone's seqno or -1. */
  push(type: number, seqno: number, value: Uint8Array, tomb: number): void {
    this.seen = true;
    if (seqno < tomb) {
      this.baseIsPointer = false;
      this.baseValue = undefined;
      this.operands.length = 0;
      return;
    }
    switch (type) {
      case ValueType.Value:
        this.baseIsPointer = false;
        this.baseValue = copyBytes(value);
        this.operands.length = 0;
        return;
      case ValueType.Indirection:
        if (this.readBlob === undefined) unsupported(type);
        this.baseValue = copyBytes(value);
        this.baseIsPointer = true;
        this.operands.length = 0;
        return;
      case ValueType.Tombstone:
      case ValueType.WeakTombstone:
        this.baseIsPointer = false;
        this.baseValue = undefined;
        this.operands.length = 0;
        return;
      case ValueType.Merge:
        this.operands.push(copyBytes(value));
        return;
      default:
        unsupported(type);
    }
  }

  /** The key's value (undefined: deleted, absent or nothing visible). */
  finish(key: Uint8Array): Uint8Array | undefined {
    if (!this.seen) return undefined;
    const base = this.baseIsPointer ? this.readBlob!(key, this.baseValue!) : this.baseValue;
    if (this.operands.length === 0) return base;
    return applyMerge(this.op, key, base, this.operands);
  }
}
