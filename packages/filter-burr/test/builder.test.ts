// The builder's layer plan with non-default parameters (as bench/tune.ts uses them): at
// most MAX_BUMPING_LAYERS bumping layers before a forced final layer, a bumping layer
// that bumps nothing ends the chain, and every key stays a member either way.

import { describe, expect, it } from 'vitest';
import { buildFilterBytes, DEFAULT_PARAMS, MAX_BUMPING_LAYERS } from '../src/builder.js';
import { FilterReader } from '../src/index.js';
import { keyWords, randomKeys } from './helpers.js';

function expectMembers(bytes: Uint8Array, keys: Uint32Array, label: string): FilterReader {
  const reader = FilterReader.from(bytes);
  for (let i = 0; i < keys.length; i += 2) {
    if (!reader.mayContainHash(keys[i]!, keys[i + 1]!)) expect.fail(`${label}: false negative for key #${i / 2}`);
  }
  return reader;
}

describe('builder layer plan', () => {
  it('forces the final layer after MAX_BUMPING_LAYERS bumping layers', () => {
    // Layers at half the slots they need bump about half their keys each time.
    const keys = randomKeys(40_000, 21);
    const bytes = buildFilterBytes(keyWords(keys), 6, 3, { ...DEFAULT_PARAMS, loadEps: -0.5, finalLayerMaxKeys: 0 });
    const reader = expectMembers(bytes, keys, 'overloaded');
    const info = reader.layerInfo();
    expect(info.length).toBe(MAX_BUMPING_LAYERS + 1);
    expect(info.reduce((s, l) => s + l.keys, 0)).toBe(40_000);
    // The forced final layer is sized for the keys that reached it, not overloaded.
    const last = info[info.length - 1]!;
    expect(last.keys).toBeGreaterThan(0);
    expect(last.slots).toBeGreaterThanOrEqual(last.keys);
  });

  it('ends with a bumping layer that bumped nothing when no final layer is wanted', () => {
    const keys = randomKeys(5000, 22);
    const bytes = buildFilterBytes(keyWords(keys), 7, 4, { ...DEFAULT_PARAMS, finalLayerMaxKeys: 0 });
    const reader = expectMembers(bytes, keys, 'no final layer');
    const info = reader.layerInfo();
    expect(info.length).toBeGreaterThanOrEqual(2);
    expect(info.length).toBeLessThanOrEqual(MAX_BUMPING_LAYERS);
    expect(info[info.length - 1]!.thresholdBytes).toBe(0);
    expect(info.reduce((s, l) => s + l.keys, 0)).toBe(5000);
  });

  it('a key set at the final-layer limit is one layer, one more key makes two', () => {
    const at = randomKeys(DEFAULT_PARAMS.finalLayerMaxKeys, 23);
    expect(expectMembers(buildFilterBytes(keyWords(at), 7, 0), at, 'at limit').layerInfo().length).toBe(1);
    const over = randomKeys(DEFAULT_PARAMS.finalLayerMaxKeys + 1, 23);
    expect(expectMembers(buildFilterBytes(keyWords(over), 7, 0), over, 'over limit').layerInfo().length).toBeGreaterThanOrEqual(2);
  });
});
