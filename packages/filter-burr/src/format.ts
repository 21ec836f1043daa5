// The serialized layout of a filter, version 1 (FORMAT.md is the prose version of this
// file). Promises: serialize() writes exactly the bytes parse() accepts; parse() checks
// every header field, every parameter range and that the section lengths implied by the
// parameters add up to the byte length exactly, so a reader built on its result can
// never index outside the bytes. It only ever throws FilterError('LSM_CORRUPTION'), never
// allocates anything proportional to a size read from the bytes, and never loops more
// than MAX_LAYERS times.

import { corrupt } from './errors.js';

/** "BuRR" in ASCII, read as a little-endian u32. */
export const MAGIC = 0x52527542;
export const FORMAT_VERSION = 1;
export const HEADER_BYTES = 16;
export const LAYER_DESCRIPTOR_BYTES = 12;
/** Upper bound on layers a reader accepts (the builder uses at most 8). */
export const MAX_LAYERS = 16;
/** Smallest non-empty layer: 64 slots of ribbon width plus one group of 32 start positions. */
export const MIN_LAYER_SLOTS = 96;
/** Largest layer: slot and start indices stay below 2^31, so readers can use int32 arithmetic. */
export const MAX_LAYER_SLOTS = 0x7fffffe0;

/** One layer as described in the header. */
export interface LayerDescriptor {
  readonly numSlots: number;
  readonly seed: number;
  /** Keys stored in this layer (the layers' counts add up to the filter's keyCount). */
  readonly keyCount: number;
}

/** Everything parse() learns from the bytes, with the byte offsets of each section. */
export interface ParsedFilter {
  readonly fingerprintBits: number;
  readonly logBucketSize: number;
  readonly keyCount: number;
  readonly cutA: number;
  readonly cutB: number;
  readonly layers: readonly LayerDescriptor[];
  /** Byte offset (relative to the filter's first byte) of each layer's threshold words. */
  readonly metaOffsets: readonly number[];
  /** Byte offset of each layer's solution words. */
  readonly solutionOffsets: readonly number[];
  readonly byteLength: number;
}

/** Threshold words of a bumping layer: 2 bits per bucket, 16 buckets per u32. */
export function metaWordsOf(numSlots: number, logBucketSize: number): number {
  const numStarts = numSlots - 64;
  const numBuckets = Math.ceil(numStarts / 2 ** logBucketSize);
  return Math.ceil(numBuckets / 16);
}

/** Solution words of a layer: r words per group of 32 slots. */
export function solutionWordsOf(numSlots: number, r: number): number {
  return (numSlots / 32) * r;
}

/** Total serialized size for the given parameters. */
export function serializedSize(r: number, logBucketSize: number, layers: readonly LayerDescriptor[]): number {
  let size = HEADER_BYTES + LAYER_DESCRIPTOR_BYTES * layers.length;
  for (let i = 0; i < layers.length; i++) {
    const slots = layers[i]!.numSlots;
    if (i < layers.length - 1) size += 4 * metaWordsOf(slots, logBucketSize);
    size += 4 * solutionWordsOf(slots, r);
  }
  return size;
}

/** Header fields serialize() needs besides the layers. */
export interface FilterHeader {
  readonly fingerprintBits: number;
  readonly logBucketSize: number;
  readonly keyCount: number;
  readonly cutA: number;
  readonly cutB: number;
}

/**
 * Writes a filter: header, layer descriptors, then per layer its threshold words (all
 * layers but the last) and its solution words, every word little-endian.
 */
export function serialize(
  header: FilterHeader,
  layers: readonly { descriptor: LayerDescriptor; meta: Int32Array; solution: Int32Array }[],
): Uint8Array {
  const descriptors = layers.map((l) => l.descriptor);
  const size = serializedSize(header.fingerprintBits, header.logBucketSize, descriptors);
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, MAGIC, true);
  dv.setUint8(4, FORMAT_VERSION);
  dv.setUint8(5, header.fingerprintBits);
  dv.setUint8(6, header.logBucketSize);
  dv.setUint8(7, layers.length);
  dv.setUint32(8, header.keyCount, true);
  dv.setUint16(12, header.cutA, true);
  dv.setUint16(14, header.cutB, true);
  let p = HEADER_BYTES;
  for (const d of descriptors) {
    dv.setUint32(p, d.numSlots, true);
    dv.setUint32(p + 4, d.seed >>> 0, true);
    dv.setUint32(p + 8, d.keyCount, true);
    p += LAYER_DESCRIPTOR_BYTES;
  }
  for (let i = 0; i < layers.length; i++) {
    const l = layers[i]!;
    if (i < layers.length - 1) p = writeWords(dv, p, l.meta);
    p = writeWords(dv, p, l.solution);
  }
  if (p !== size) throw new Error(`internal error: serialized ${p} bytes, expected ${size}`);
  return out;
}

function writeWords(dv: DataView, p: number, words: Int32Array): number {
  for (let i = 0; i < words.length; i++, p += 4) dv.setInt32(p, words[i]!, true);
  return p;
}

/** Validates `bytes` as a version-1 filter and returns its parameters and section offsets. */
export function parse(bytes: Uint8Array): ParsedFilter {
  if (!(bytes instanceof Uint8Array)) corrupt('filter bytes must be a Uint8Array');
  const len = bytes.length;
  if (len < HEADER_BYTES) corrupt(`truncated header: ${len} bytes, need at least ${HEADER_BYTES}`, len);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, len);
  const magic = dv.getUint32(0, true);
  if (magic !== MAGIC) corrupt(`bad magic 0x${magic.toString(16).padStart(8, '0')}, expected "BuRR"`, 0);
  const version = dv.getUint8(4);
  if (version !== FORMAT_VERSION) corrupt(`unsupported format version ${version} (this reader knows ${FORMAT_VERSION})`, 4);
  const r = dv.getUint8(5);
  if (r < 1 || r > 32) corrupt(`fingerprint bits ${r} out of range 1..32`, 5);
  const logB = dv.getUint8(6);
  if (logB < 1 || logB > 16) corrupt(`log2 bucket size ${logB} out of range 1..16`, 6);
  const numLayers = dv.getUint8(7);
  const keyCount = dv.getUint32(8, true);
  if (keyCount === 0 ? numLayers !== 0 : numLayers < 1 || numLayers > MAX_LAYERS) {
    corrupt(`layer count ${numLayers} invalid for ${keyCount} keys (1..${MAX_LAYERS}, or 0 for an empty filter)`, 7);
  }
  const cutA = dv.getUint16(12, true);
  const cutB = dv.getUint16(14, true);
  const B = 2 ** logB;
  if (cutA > cutB) corrupt(`threshold cuts out of order (${cutA} > ${cutB})`, 12);
  if (cutB > B) corrupt(`threshold cut ${cutB} exceeds bucket size ${B}`, 14);
  const descEnd = HEADER_BYTES + LAYER_DESCRIPTOR_BYTES * numLayers;
  if (len < descEnd) corrupt(`truncated layer descriptors: ${len} bytes, need ${descEnd}`, len);

  const layers: LayerDescriptor[] = [];
  const metaOffsets: number[] = [];
  const solutionOffsets: number[] = [];
  let p = descEnd;
  let keysSeen = 0;
  for (let i = 0; i < numLayers; i++) {
    const at = HEADER_BYTES + LAYER_DESCRIPTOR_BYTES * i;
    const numSlots = dv.getUint32(at, true);
    if (numSlots < MIN_LAYER_SLOTS || numSlots > MAX_LAYER_SLOTS || numSlots % 32 !== 0) {
      corrupt(`layer ${i}: slot count ${numSlots} is not a multiple of 32 in ${MIN_LAYER_SLOTS}..${MAX_LAYER_SLOTS}`, at);
    }
    const seed = dv.getUint32(at + 4, true);
    const layerKeys = dv.getUint32(at + 8, true);
    keysSeen += layerKeys;
    if (keysSeen > keyCount) corrupt(`layer ${i}: key counts add up to more than the filter's ${keyCount}`, at + 8);
    layers.push({ numSlots, seed, keyCount: layerKeys });
    metaOffsets.push(p);
    if (i < numLayers - 1) p += 4 * metaWordsOf(numSlots, logB);
    solutionOffsets.push(p);
    p += 4 * solutionWordsOf(numSlots, r);
    // Stop early on an impossible size so a corrupted slot count cannot make us walk on.
    if (p > len) corrupt(`truncated: layer ${i} ends at byte ${p} but the filter has ${len} bytes`, len);
  }
  if (keysSeen !== keyCount) corrupt(`layer key counts add up to ${keysSeen}, header says ${keyCount}`, 8);
  if (p !== len) corrupt(`length mismatch: parameters describe ${p} bytes, got ${len}`, p);
  return { fingerprintBits: r, logBucketSize: logB, keyCount, cutA, cutB, layers, metaOffsets, solutionOffsets, byteLength: len };
}
