// Build options: validation and the choice of fingerprint bits r. Promise: resolveOptions()
// returns r in 1..32 and a uint32 seed, or throws FilterError('LSM_INVALID_ARGUMENT')
// saying which option was wrong.

import { invalidArgument } from './errors.js';

/** A bad option value as the message shows it: a string quoted, so '8' is not read as 8. */
function shown(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

/** Options for {@link build}. Give at most one of fingerprintBits, fpRate and bitsPerKey. */
export interface BuildOptions {
  /** r, 1..32: fingerprint bits per key. The false-positive rate is about 2^-r. Default 7. */
  fingerprintBits?: number;
  /** Target false-positive rate in (0, 1): r = ceil(log2(1 / fpRate)), so the rate is at most the target. */
  fpRate?: number;
  /**
   * Space budget in bits per key: picks the largest r whose filter fits it for large key
   * counts (r = floor(bitsPerKey / 1.005); above 32.16 bits r is 32).
   */
  bitsPerKey?: number;
  /** Seed (uint32) for the per-layer hashing; different seeds give independent filters. Default 0. */
  seed?: number;
}

/** Default fingerprint bits: FPR about 0.78%, like a 10 bits/key Bloom filter, at ~7.02 bits/key. */
export const DEFAULT_FINGERPRINT_BITS = 7;

/** Space the builder needs above r bits per key, used to turn a bits-per-key budget into r. */
const BUDGET_FACTOR = 1.005;

export interface ResolvedOptions {
  readonly r: number;
  readonly seed: number;
}

export function resolveOptions(options: BuildOptions | undefined): ResolvedOptions {
  if (options === undefined || options === null) return { r: DEFAULT_FINGERPRINT_BITS, seed: 0 };
  if (typeof options !== 'object') invalidArgument('options must be an object');
  const { fingerprintBits, fpRate, bitsPerKey, seed } = options;
  const given = [fingerprintBits, fpRate, bitsPerKey].filter((v) => v !== undefined).length;
  if (given > 1) invalidArgument('give at most one of fingerprintBits, fpRate and bitsPerKey');

  let s = 0;
  if (seed !== undefined) {
    if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      invalidArgument(`seed must be an integer in [0, 2^32), got ${shown(seed)}`);
    }
    s = seed;
  }

  let r = DEFAULT_FINGERPRINT_BITS;
  if (fingerprintBits !== undefined) {
    if (typeof fingerprintBits !== 'number' || !Number.isInteger(fingerprintBits) || fingerprintBits < 1 || fingerprintBits > 32) {
      invalidArgument(`fingerprintBits must be an integer in 1..32, got ${shown(fingerprintBits)}`);
    }
    r = fingerprintBits;
  } else if (fpRate !== undefined) {
    if (typeof fpRate !== 'number' || !(fpRate > 0 && fpRate < 1)) {
      invalidArgument(`fpRate must be a number in (0, 1), got ${shown(fpRate)}`);
    }
    // The small tolerance keeps exact powers of two (fpRate = 2^-7 -> r = 7) exact.
    r = Math.max(1, Math.ceil(Math.log2(1 / fpRate) - 1e-9));
    if (r > 32) invalidArgument(`fpRate ${fpRate} is below 2^-32, the smallest rate with 32-bit fingerprints`);
  } else if (bitsPerKey !== undefined) {
    if (typeof bitsPerKey !== 'number' || !Number.isFinite(bitsPerKey)) {
      invalidArgument(`bitsPerKey must be a finite number, got ${shown(bitsPerKey)}`);
    }
    r = Math.min(32, Math.floor(bitsPerKey / BUDGET_FACTOR + 1e-9));
    if (r < 1) invalidArgument(`bitsPerKey ${bitsPerKey} is too small: at least ${BUDGET_FACTOR} bits per key are needed`);
  }
  return { r, seed: s };
}
