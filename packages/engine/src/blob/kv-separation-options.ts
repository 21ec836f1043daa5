// The `kvSeparation` option of Tree.open (K/V separation, WiscKey / BlobDB style): which
// values go to blob files, when compaction garbage-collects them, and how blob files are
// written and kept open. Every bad field is an LSM_INVALID_ARGUMENT naming it. The store's
// `compression.dictionary` option applies to blob files too when they use zstd.

import { InvalidArgumentError, shownValue } from '@lsm/base';
import { type CompressionType, type TableDictionaryOptions, checkDictionaryOptions } from '@lsm/sstable';

/** Options of K/V separation. */
export interface KvSeparationOptions {
  /** Values of at least this many bytes are stored in blob files. Default 4096. */
  minValueSize?: number;
  /**
   * Compaction rewrites the live values it meets from a blob file whose dead share
   * (bytes no live table points at / all its record bytes) is at least this. Default 0.5.
   */
  gcRatio?: number;
  /** Compression of each separated value: 'none' (default) or 'zstd'. */
  compression?: CompressionType | { type: CompressionType; level?: number };
  /** Start a new blob file once the current one holds this many bytes. Default 64 MiB. */
  blobFileBytes?: number;
  /** Blob files kept open at once for reads. Default 256. */
  maxOpenFiles?: number;
}

/** K/V separation settings after defaults. */
export interface ResolvedKvSeparation {
  minValueSize: number;
  gcRatio: number;
  compression: CompressionType;
  compressionLevel: number | undefined;
  blobFileBytes: number;
  maxOpenFiles: number;
  /**
   * Train a zstd dictionary per blob file (the store's compression.dictionary, when
   * blob values use zstd): on its first values, up to `sampleBytes` (the option's,
   * capped at blobFileBytes). undefined: no dictionaries.
   */
  dictionary: { maxBytes: number; sampleBytes: number } | undefined;
}

/** Blob files kept open when the store is not separating values but still has blob files to read. */
export const DEFAULT_MAX_OPEN_BLOB_FILES = 256;

function int(name: string, v: unknown, def: number, min: number, max: number): number {
  if (v === undefined) return def;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new InvalidArgumentError(`option kvSeparation.${name} must be an integer in [${min}, ${max}], got ${shownValue(v)}`);
  }
  return v;
}

/**
 * Validates `kvSeparation`: undefined or false means off; true means on with defaults;
 * an object means on with those settings. `dictionary` is the store's (validated)
 * compression.dictionary option: used for blob files when they are zstd-compressed.
 */
export function resolveKvSeparation(o: unknown, dictionary?: TableDictionaryOptions): ResolvedKvSeparation | undefined {
  if (o === undefined || o === false) return undefined;
  if (o !== true && (typeof o !== 'object' || o === null)) throw new InvalidArgumentError('option kvSeparation must be a boolean or an object');
  const k = (o === true ? {} : o) as KvSeparationOptions;
  let gcRatio = 0.5;
  if (k.gcRatio !== undefined) {
    if (typeof k.gcRatio !== 'number' || !(k.gcRatio > 0 && k.gcRatio <= 1)) {
      throw new InvalidArgumentError(`option kvSeparation.gcRatio must be a number in (0, 1], got ${shownValue(k.gcRatio)}`);
    }
    gcRatio = k.gcRatio;
  }
  let compression: CompressionType = 'none';
  let compressionLevel: number | undefined;
  const c = k.compression;
  if (c !== undefined) {
    const type = typeof c === 'string' ? c : typeof c === 'object' && c !== null ? c.type : undefined;
    if (type !== 'none' && type !== 'zstd') {
      throw new InvalidArgumentError(`option kvSeparation.compression must be 'none' or 'zstd', got ${JSON.stringify(type)}`);
    }
    compression = type;
    if (typeof c === 'object') compressionLevel = c.level;
  }
  const blobFileBytes = int('blobFileBytes', k.blobFileBytes, 64 << 20, 1024, 2 ** 40);
  let dict: ResolvedKvSeparation['dictionary'];
  if (dictionary !== undefined && compression === 'zstd') {
    const d = checkDictionaryOptions(dictionary, 'option compression.dictionary');
    dict = { maxBytes: d.maxBytes, sampleBytes: Math.min(d.sampleBytes, blobFileBytes) };
  }
  return {
    minValueSize: int('minValueSize', k.minValueSize, 4096, 1, 0xffffffff),
    gcRatio,
    compression,
    compressionLevel,
    blobFileBytes,
    maxOpenFiles: int('maxOpenFiles', k.maxOpenFiles, DEFAULT_MAX_OPEN_BLOB_FILES, 1, 1_000_000),
    dictionary: dict,
  };
}
