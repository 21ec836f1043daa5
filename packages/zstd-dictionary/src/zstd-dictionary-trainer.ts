// trainDictionary: builds a zstd dictionary from sample blocks, in TypeScript (neither
// zstd-napi nor @lsm/zstd's WebAssembly fallback exposes zstd's own trainer, so it works
// with either backend). Content is chosen by COVER segment selection (cover-segments.ts);
// the segment length k and d-mer length d are tuned by compressing held-out samples with
// each candidate, as zstd's trainer tunes them; the winner is then rebuilt from all samples.
// Entropy tables (Huffman for literals, FSE for the sequence codes) are then built from a
// parse of the samples against that content (sequence-statistics.ts) into a structured
// zstd dictionary, which is kept when it beats the raw content on the held-out samples.
// Deterministic: same samples and options, same bytes.

import { InvalidArgumentError, shownValue } from '@lsm/base';
import { zstd, zstdCompressBound } from '@lsm/zstd';
import { DEFAULT_ZSTD_LEVEL, checkZstdLevel } from './zstd-level.js';
import { hashSamples, selectSegments, type HashedSamples } from './cover-segments.js';
import { sequenceStatistics } from './sequence-statistics.js';
import { DictionaryCompressor } from './zstd-dictionary-codec.js';
import { buildZstdDictionary } from './zstd-dictionary-format.js';

/** Options of trainDictionary. */
export interface TrainDictionaryOptions {
  /** Largest dictionary to produce, in bytes (at least 256). */
  readonly maxBytes: number;
  /** zstd level the dictionary will be used at (candidates are scored at it). Default 3. */
  readonly level?: number;
  /** Segment lengths to try. Default [256, 512, 1024]. */
  readonly segmentSizes?: readonly number[];
  /** d-mer lengths to try. Default [6, 8]. */
  readonly dmerSizes?: readonly (6 | 8)[];
  /** Build entropy tables (a structured zstd dictionary) when they help. Default true. */
  readonly entropyTables?: boolean;
}

/** Smallest dictionary accepted (zstd needs some content to reference). */
export const MIN_DICTIONARY_BYTES = 256;
/** Largest dictionary accepted. */
export const MAX_DICTIONARY_BYTES = 1 << 20;

/**
 * Trains a dictionary of at most `opts.maxBytes` bytes on `samples` (typically data blocks
 * of a few KiB; zstd's guidance is about 100 times the dictionary size in total). Returns
 * the dictionary, or an empty array when the samples hold too little to build one.
 */
export function trainDictionary(samples: readonly Uint8Array[], opts: TrainDictionaryOptions): Uint8Array {
  const maxBytes = opts.maxBytes;
  if (!Number.isInteger(maxBytes) || maxBytes < MIN_DICTIONARY_BYTES || maxBytes > MAX_DICTIONARY_BYTES) {
    throw new InvalidArgumentError(`dictionary maxBytes must be an integer in [${MIN_DICTIONARY_BYTES}, ${MAX_DICTIONARY_BYTES}], got ${shownValue(maxBytes)}`);
  }
  const level = opts.level ?? DEFAULT_ZSTD_LEVEL;
  checkZstdLevel(level);
  if (!Array.isArray(samples) || samples.some((s) => !(s instanceof Uint8Array))) {
    throw new InvalidArgumentError('samples must be an array of Uint8Array');
  }
  const ks = opts.segmentSizes ?? [256, 512, 1024];
  const ds = opts.dmerSizes ?? [6, 8];
  if (ks.length === 0 || ks.some((k) => !Number.isInteger(k) || k < 16 || k > 4096)) throw new InvalidArgumentError('segmentSizes must be integers in [16, 4096]');
  if (ds.length === 0 || ds.some((d) => d !== 6 && d !== 8)) throw new InvalidArgumentError('dmerSizes must each be 6 or 8');

  let total = 0;
  for (const s of samples) total += s.length;
  if (total < 64) return new Uint8Array(0);

  // Hold out every 5th sample to score candidates (all samples when there are too few).
  const train: Uint8Array[] = [];
  const test: Uint8Array[] = [];
  samples.forEach((s, i) => (i % 5 === 4 ? test : train).push(s));
  const scoreOn = test.length > 0 && train.length > 0 ? test : samples;
  const trainOn = test.length > 0 && train.length > 0 ? train : samples;

  let best: { k: number; d: 6 | 8; size: number } | undefined;
  if (ks.length * ds.length > 1) {
    for (const d of ds) {
      const hs = hashSamples(trainOn, d);
      for (const k of ks) {
        const content = selectSegments(hs, { maxBytes, k, d });
        const size = compressedSize(content, scoreOn, level);
        if (best === undefined || size < best.size) best = { k, d, size };
      }
    }
  }
  const k = best?.k ?? ks[0]!;
  const d = best?.d ?? ds[0]!;
  const hs: HashedSamples = hashSamples(samples, d);
  const content = selectSegments(hs, { maxBytes, k, d });
  if (opts.entropyTables === false || content.length < 8) return content;

  // Entropy tables from the training samples parsed against the content; the header
  // (tables, ids, repeat offsets) comes out of the content's budget, oldest segments first.
  const stats = sequenceStatistics(content, trainOn);
  let dict = buildZstdDictionary(content, stats);
  if (dict.length > maxBytes) {
    const header = dict.length - content.length;
    if (header >= content.length) return content;
    dict = buildZstdDictionary(content.subarray(dict.length - maxBytes), stats);
  }
  // Keep the structured dictionary only when it helps (it should; a parse gone wrong must
  // not hurt), and only when zstd accepts it (it should; a table must not fail over it).
  let structuredSize: number;
  try {
    structuredSize = compressedSize(dict, scoreOn, level);
  } catch {
    return content;
  }
  return structuredSize < compressedSize(content, scoreOn, level) ? dict : content;
}

/**
 * Total compressed size of `samples` with `dict` (0 bytes of dictionary = none). With
 * `asStored`, each sample counts as a table would store it: raw when zstd does not save
 * an eighth of it.
 */
export function compressedSize(dict: Uint8Array, samples: readonly Uint8Array[], level: number, asStored = false): number {
  let total = 0;
  let out = new Uint8Array(0);
  const c = dict.length > 0 ? new DictionaryCompressor(dict, level) : undefined;
  const z = zstd();
  for (const s of samples) {
    const bound = zstdCompressBound(s.length);
    if (out.length < bound) out = new Uint8Array(bound);
    const n = c !== undefined ? c.compress(out, s) : z.compress(out, s, level);
    total += asStored && n + 3 > s.length - (s.length >>> 3) ? s.length : n;
  }
  return total;
}
