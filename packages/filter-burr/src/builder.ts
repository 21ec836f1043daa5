// Orchestrates a BuRR build: a chain of overloaded bumping layers, each taking the keys
// the previous one bumped, then a final plain-ribbon layer sized to take every remaining
// key. Parameters (why these values: README "Design choices"):
//   ribbon width w = 64, bucket size B = 128 (w^2 / (4 log2 w) rounded down to a power
//   of two, as in the BuRR paper), load 1 / (1 + eps) with eps = -4/w, 2-bit thresholds
//   with cuts 17 and 38 (BuRR's 2-bit formulas for w = 64 at this eps).
// Promises: terminates after at most MAX_BUMPING_LAYERS + 1 layers and at most
// FINAL_ATTEMPTS final-layer attempts (the slot count grows on each retry, so success
// becomes overwhelmingly likely long before the bound); every input hash is answered
// true by the resulting filter.

import type { BuiltLayer, KeyWords } from './bumping.js';
import { buildBumpingLayer, buildFinalLayer } from './bumping.js';
import { serialize, MIN_LAYER_SLOTS, type LayerDescriptor } from './format.js';
import { fmix32 } from './mixing.js';

/** log2 of the bucket size B = 128. */
export const LOG_BUCKET_SIZE = 7;
/** Threshold value 1 bumps offsets below CUT_A, value 2 below CUT_B, value 3 the whole bucket. */
export const CUT_A = 17;
export const CUT_B = 38;
/** Bumping layers have ceil(n * (1 + LOAD_EPS)) slots for n keys (overloaded by 6.7%). */
export const LOAD_EPS = -4 / 64;
/** Layers with at most this many keys are built as the final layer. */
export const FINAL_LAYER_MAX_KEYS = 2048;
/** Bumping layers before the final layer is forced (each passes on ~6.3% of its keys). */
export const MAX_BUMPING_LAYERS = 7;
/** Final-layer attempts before giving up (unreachable in practice; see buildFinal). */
export const FINAL_ATTEMPTS = 48;

function roundUp32(x: number): number {
  return Math.ceil(x / 32) * 32;
}

/** Layer-structure parameters; DEFAULT_PARAMS is what build() uses (bench/tune.ts varies them). */
export interface BuildParams {
  readonly logBucketSize: number;
  readonly cutA: number;
  readonly cutB: number;
  readonly loadEps: number;
  readonly finalLayerMaxKeys: number;
}

export const DEFAULT_PARAMS: BuildParams = {
  logBucketSize: LOG_BUCKET_SIZE,
  cutA: CUT_A,
  cutB: CUT_B,
  loadEps: LOAD_EPS,
  finalLayerMaxKeys: FINAL_LAYER_MAX_KEYS,
};

/** Seed of layer `layer` at attempt `attempt`, derived from the user's seed. */
function layerSeed(seed: number, layer: number, attempt: number): number {
  return fmix32((seed ^ Math.imul(layer + 1, 0x9e3779b9) ^ Math.imul(attempt + 1, 0x7f4a7c15)) | 0) >>> 0;
}

/** The built layers with their descriptors, ready to serialize. */
interface PlannedLayer {
  descriptor: LayerDescriptor;
  meta: Int32Array;
  solution: Int32Array;
}

function buildFinal(keys: KeyWords, seed: number, layer: number, r: number): BuiltLayer {
  // Start tight (32 slots of slack beyond the 64 a row spans): for the few hundred keys a
  // final layer usually holds this succeeds most of the time, and each retry is cheap.
  // Two tries per size, then grow by 3% plus a slot group.
  let numSlots = Math.max(MIN_LAYER_SLOTS, roundUp32(keys.count + 32));
  for (let attempt = 0; attempt < FINAL_ATTEMPTS; attempt++) {
    const shape = { numSlots, seed: layerSeed(seed, layer, attempt), cutA: 0, cutB: 0 };
    const built = buildFinalLayer(keys, shape, r);
    if (built !== undefined) return built;
    if (attempt % 2 === 1) numSlots = roundUp32(numSlots * 1.03 + 32);
  }
  // 48 failures at slot counts growing to ~2x the key count do not happen for distinct
  // hashes; report it rather than loop.
  throw new Error(`@lsm/filter-burr: final layer of ${keys.count} keys could not be built after ${FINAL_ATTEMPTS} attempts`);
}

/** Builds the serialized filter for `keys` with r-bit fingerprints. */
export function buildFilterBytes(keys: KeyWords, r: number, seed: number, params: BuildParams = DEFAULT_PARAMS): Uint8Array {
  const layers: PlannedLayer[] = [];
  const { logBucketSize, cutA, cutB, loadEps, finalLayerMaxKeys } = params;
  const header = { fingerprintBits: r, logBucketSize, keyCount: keys.count, cutA, cutB };
  let cur = keys;
  while (cur.count > 0) {
    const index = layers.length;
    if (cur.count <= finalLayerMaxKeys || index >= MAX_BUMPING_LAYERS) {
      const built = buildFinal(cur, seed, index, r);
      layers.push({ descriptor: { numSlots: built.shape.numSlots, seed: built.shape.seed, keyCount: cur.count }, meta: built.meta, solution: built.solution });
      break;
    }
    const numSlots = Math.max(MIN_LAYER_SLOTS, roundUp32(Math.ceil(cur.count * (1 + loadEps))));
    const shape = { numSlots, seed: layerSeed(seed, index, 0), cutA, cutB };
    const built = buildBumpingLayer(cur, shape, logBucketSize, r);
    const stored = cur.count - built.bumped.count;
    // A bumping layer that bumped nothing is the last layer: its thresholds are all zero
    // and are not stored (the last layer has none).
    layers.push({ descriptor: { numSlots, seed: shape.seed, keyCount: stored }, meta: built.meta, solution: built.solution });
    cur = built.bumped;
  }
  return serialize(header, layers);
}
