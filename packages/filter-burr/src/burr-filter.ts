// BurrFilter: the result of build(). It owns its serialized bytes and answers probes
// through a FilterReader over them, so a built filter and a loaded one behave identically.

import type { Hash64 } from './hash.js';
import { FilterReader, type LayerInfo } from './filter-reader.js';

/** An immutable BuRR approximate-membership filter. Create with {@link build}. */
export class BurrFilter {
  /** Bits of serialized filter per key (byteLength * 8 / keyCount; 0 for an empty filter). */
  readonly bitsPerKey: number;
  /** Number of key hashes given to build() (duplicates counted). */
  readonly keyCount: number;
  /** Fingerprint bits r: the false-positive rate is about 2^-r. */
  readonly fingerprintBits: number;
  /** Size of the serialized filter in bytes. */
  readonly byteLength: number;

  private readonly bytes: Uint8Array;
  private readonly reader: FilterReader;

  /** @internal Use build(). */
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.reader = FilterReader.from(bytes);
    this.keyCount = this.reader.keyCount;
    this.fingerprintBits = this.reader.fingerprintBits;
    this.byteLength = bytes.length;
    this.bitsPerKey = this.keyCount === 0 ? 0 : (bytes.length * 8) / this.keyCount;
  }

  /** May the key with this hash be in the set? false means definitely not; true is wrong with probability about 2^-r. */
  mayContain(hash: Hash64): boolean {
    return this.reader.mayContainHash(hash.hi, hash.lo);
  }

  /** {@link mayContain} with the hash as two 32-bit halves (taken modulo 2^32). */
  mayContainHash(hi: number, lo: number): boolean {
    return this.reader.mayContainHash(hi, lo);
  }

  /** The serialized filter (FORMAT.md), as a fresh copy the caller may keep or modify. */
  toBytes(): Uint8Array {
    return this.bytes.slice();
  }

  /** Per-layer sizes, for diagnostics. */
  layerInfo(): LayerInfo[] {
    return this.reader.layerInfo();
  }
}
