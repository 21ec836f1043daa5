// build(): the public entry point that turns key hashes into a BurrFilter.

import { BurrFilter } from './burr-filter.js';
import { buildFilterBytes } from './builder.js';
import { invalidArgument } from './errors.js';
import type { Hash64 } from './hash.js';
import { MAX_KEYS, toKeyWords } from './input.js';
import { resolveOptions, type BuildOptions } from './options.js';

/**
 * Builds a filter over the given key hashes (duplicates allowed). Accepts an array of
 * Hash64, a Uint32Array of interleaved [hi0, lo0, hi1, lo1, ...], or a BigUint64Array.
 * Every hash given answers `mayContain(hash) === true` on the result; other hashes answer
 * true with probability about 2^-r.
 * @throws FilterError with code 'LSM_INVALID_ARGUMENT' for bad options or input.
 */
export function build(hashes: readonly Hash64[] | Uint32Array | BigUint64Array, options?: BuildOptions): BurrFilter {
  const { r, seed } = resolveOptions(options);
  const keys = toKeyWords(hashes);
  if (keys.count > MAX_KEYS) invalidArgument(`too many keys: ${keys.count} (at most ${MAX_KEYS})`);
  return new BurrFilter(buildFilterBytes(keys, r, seed));
}
