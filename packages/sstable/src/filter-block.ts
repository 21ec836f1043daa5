// Filter blocks: a BuRR filter (from @lsm/filter-burr) over the distinct user keys of a
// table, and optionally a second one over their prefixes. The filter is consulted before
// any data block is read; a negative answer is definite. Keys are hashed with
// filter-burr's hash64 (seed 0): the engine computes that hash once per lookup (`keyHash`)
// and passes it to every table it probes.

import { build, FilterError, FilterReader, hash64, hash64Into, type Hash64 } from '@lsm/filter-burr';
import { CorruptionError, InvalidArgumentError } from '@lsm/base';

export type { Hash64 } from '@lsm/filter-burr';

/** Filter sizing, passed to filter-burr's build (its defaults apply to what is left out). */
export interface FilterOptions {
  /** Target false-positive rate, e.g. 0.01. */
  readonly fpRate?: number;
  /** Alternatively, the space budget per key. */
  readonly bitsPerKey?: number;
  /** Alternatively, the fingerprint width. */
  readonly fingerprintBits?: number;
}

/** The 64-bit hash of a user key that every table's filter is probed with. Compute once per lookup. */
export function keyHash(userKey: Uint8Array): Hash64 {
  return hash64(userKey);
}

/** Collects key hashes (as interleaved hi/lo uint32s, no per-key objects) and builds the filter. */
export class FilterCollector {
  private hashes = new Uint32Array(2048);
  /** Hashes added. */
  count = 0;

  /** Checks `options` now (an empty build), so a bad option fails the writer's constructor, not finish(). */
  constructor(private readonly options: FilterOptions | undefined) {
    this.finishWith(new Uint32Array(0));
  }

  add(key: Uint8Array): void {
    const i = this.count * 2;
    if (i + 2 > this.hashes.length) {
      const grown = new Uint32Array(this.hashes.length * 2);
      grown.set(this.hashes);
      this.hashes = grown;
    }
    hash64Into(key, this.hashes, i);
    this.count++;
  }

  /** Builds the filter and returns its serialized bytes. */
  finish(): Uint8Array {
    return this.finishWith(this.hashes.subarray(0, this.count * 2));
  }

  private finishWith(hashes: Uint32Array): Uint8Array {
    try {
      return build(hashes, this.options).toBytes();
    } catch (err) {
      if (err instanceof FilterError && err.code === 'LSM_INVALID_ARGUMENT') throw new InvalidArgumentError(`filter options rejected: ${err.message}`, { cause: err });
      throw err;
    }
  }
}

/** A probe-ready filter over a (checksum-verified) filter block's bytes. */
export class TableFilter {
  private constructor(private readonly reader: FilterReader) {}

  /** Wraps filter bytes; bad bytes are a CorruptionError at `offset` of `file`. */
  static from(bytes: Uint8Array, file: string, offset: number): TableFilter {
    try {
      return new TableFilter(FilterReader.from(bytes));
    } catch (err) {
      if (err instanceof FilterError || err instanceof RangeError || err instanceof TypeError) {
        throw new CorruptionError(file, offset, `bad filter block: ${err.message}`, { cause: err });
      }
      throw err;
    }
  }

  mayContain(hi: number, lo: number): boolean {
    return this.reader.mayContainHash(hi, lo);
  }

  get keyCount(): number {
    return this.reader.keyCount;
  }

  get fingerprintBits(): number {
    return this.reader.fingerprintBits;
  }

  get byteLength(): number {
    return this.reader.byteLength;
  }

  /** Bits of filter per distinct key. */
  get bitsPerKey(): number {
    return this.reader.keyCount === 0 ? 0 : (this.reader.byteLength * 8) / this.reader.keyCount;
  }

  get charge(): number {
    return this.reader.byteLength + 200;
  }
}
