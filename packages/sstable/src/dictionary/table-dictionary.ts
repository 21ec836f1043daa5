// Deciding a table's dictionary: train on the sampled data blocks, and keep the dictionary
// only if it pays for itself on those samples, i.e. the samples compressed with it plus the
// dictionary block (stored zstd-compressed) are smaller than the samples compressed without
// one. A small table, or data that has nothing in common between blocks, thus stays plain
// zstd (compression id 1) and carries no dictionary.

import { InvalidArgumentError, shownValue } from '@lsm/base';
import { zstd, zstdCompressBound } from '@lsm/zstd';
import { compressedSize, MAX_DICTIONARY_BYTES, MIN_DICTIONARY_BYTES, trainDictionary } from '@lsm/zstd-dictionary';

/** Writer option: train a dictionary per table. */
export interface TableDictionaryOptions {
  /** Largest dictionary, in bytes: 256 .. 1 MiB. 16 KiB is a good start for 4 KiB blocks. */
  readonly maxBytes: number;
  /**
   * Uncompressed data-block bytes buffered as training samples before the first data block
   * is written (all of them end up compressed with the dictionary). Default: 100 × maxBytes,
   * at most 8 MiB; the range is maxBytes .. 256 MiB.
   */
  readonly sampleBytes?: number;
}

/** Validates the option (InvalidArgumentError naming the field) and fills defaults. */
export function checkDictionaryOptions(o: TableDictionaryOptions, name = 'dictionary'): Required<TableDictionaryOptions> {
  if (o === null || typeof o !== 'object') throw new InvalidArgumentError(`${name} must be an object { maxBytes, sampleBytes? }`);
  const maxBytes = o.maxBytes;
  if (!Number.isInteger(maxBytes) || maxBytes < MIN_DICTIONARY_BYTES || maxBytes > MAX_DICTIONARY_BYTES) {
    throw new InvalidArgumentError(`${name}.maxBytes must be an integer in [${MIN_DICTIONARY_BYTES}, ${MAX_DICTIONARY_BYTES}], got ${shownValue(maxBytes)}`);
  }
  const sampleBytes = o.sampleBytes ?? Math.max(maxBytes, Math.min(100 * maxBytes, 8 << 20));
  if (!Number.isInteger(sampleBytes) || sampleBytes < maxBytes || sampleBytes > 256 << 20) {
    throw new InvalidArgumentError(`${name}.sampleBytes must be an integer in [maxBytes, 256 MiB], got ${shownValue(o.sampleBytes)}`);
  }
  return { maxBytes, sampleBytes };
}

/** Trains a dictionary on `samples` and returns it if it pays for itself, else undefined. */
export function chooseTableDictionary(samples: readonly Uint8Array[], maxBytes: number, level: number): Uint8Array | undefined {
  let total = 0;
  for (const s of samples) total += s.length;
  // Fewer sample bytes than twice the dictionary cannot repay it.
  if (total < 2 * Math.min(maxBytes, MIN_DICTIONARY_BYTES * 4) || samples.length < 4) return undefined;
  const dict = trainDictionary(samples, { maxBytes: Math.min(maxBytes, Math.max(MIN_DICTIONARY_BYTES, total >>> 2)), level });
  if (dict.length === 0) return undefined;
  const stored = Math.min(dict.length, zstd().compress(new Uint8Array(zstdCompressBound(dict.length)), dict, level)) + 16;
  const withDict = compressedSize(dict, samples, level, true) + stored;
  const without = compressedSize(new Uint8Array(0), samples, level, true);
  return withDict < without ? dict : undefined;
}
