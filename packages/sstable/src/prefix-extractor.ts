// Prefix extractors: map a user key to the prefix a prefix filter indexes, so a prefix
// scan can skip tables that hold no key with that prefix (RocksDB's prefix_extractor).
// The extractor's name is recorded in the table; a reader only trusts the prefix filter
// when it is given an extractor of the same name.

import { InvalidArgumentError, shownValue } from '@lsm/base';

/** Maps user keys to prefixes. Must be a pure function of the key. */
export interface PrefixExtractor {
  /** Recorded in the table's properties; identifies the function. */
  readonly name: string;
  /** The key's prefix (may be a view of `key`), or undefined when the key has none (not in the domain). */
  prefix(key: Uint8Array): Uint8Array | undefined;
}

/** The first `n` bytes of each key; keys shorter than `n` have no prefix. */
export function fixedPrefixExtractor(n: number): PrefixExtractor {
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new InvalidArgumentError(`prefix length must be an integer in [1, 65535], got ${shownValue(n)}`);
  return Object.freeze({
    name: `lsm.fixed:${n}`,
    prefix: (key: Uint8Array): Uint8Array | undefined => (key.length >= n ? key.subarray(0, n) : undefined),
  });
}
