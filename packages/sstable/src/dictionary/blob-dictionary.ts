// Deciding a blob file's dictionary: the same rule as a table's (train, then keep the
// dictionary only if the samples compressed with it plus the stored dictionary are
// smaller than the samples compressed without one), with the file's first values as the
// samples. Each value is one training sample, as each data block is for a table.
// Holding the values back until the dictionary is known is the caller's job (the engine's
// BlobJob does it): BlobFileWriter takes a ready dictionary and stores it before the
// first record.

import { chooseTableDictionary } from './table-dictionary.js';

/**
 * Trains a dictionary on `values` (the first values of a blob file) and returns it when
 * it pays for itself, else undefined (the file is then written with plain zstd).
 */
export function chooseBlobDictionary(values: readonly Uint8Array[], maxBytes: number, level: number): Uint8Array | undefined {
  return chooseTableDictionary(values, maxBytes, level);
}
