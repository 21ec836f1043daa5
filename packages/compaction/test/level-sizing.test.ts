import { describe, expect, it } from 'vitest';
import { computeLevelTargets, computeScores, type LevelSizingOptions } from '../src/index.js';
import { MiB } from './helpers.js';

const dyn: LevelSizingOptions = { levelBaseBytes: 64 * MiB, levelMultiplier: 10, numLevels: 7, dynamicLevelBytes: true, l0CompactionTrigger: 4 };
const stat: LevelSizingOptions = { ...dyn, dynamicLevelBytes: false };

function bytes(...perLevel: number[]): number[] {
  const out = new Array<number>(7).fill(0);
  perLevel.forEach((v, i) => (out[i] = v));
  return out;
}

describe('static level sizing', () => {
  it('L1 holds levelBaseBytes and each level multiplies', () => {
    const t = computeLevelTargets(bytes(0, 5 * MiB), 0, stat);
    expect(t.baseLevel).toBe(1);
    expect(t.targets).toEqual([0, 64 * MiB, 640 * MiB, 6400 * MiB, 64000 * MiB, 640000 * MiB, 6400000 * MiB]);
  });
});

describe('dynamic level sizing', () => {
  it('an empty tree compacts L0 straight into the last level', () => {
    const t = computeLevelTargets(bytes(10 * MiB), 2, dyn);
    expect(t.baseLevel).toBe(6);
    expect(t.targets[6]).toBe(64 * MiB);
    expect(t.targets.slice(0, 6)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('a small last level is the base level, with a target of at least levelBaseBytes', () => {
    const t = computeLevelTargets(bytes(0, 0, 0, 0, 0, 0, 1 * MiB), 0, dyn);
    expect(t.baseLevel).toBe(6);
    expect(t.targets[6]).toBe(64 * MiB);
  });

  it('the base level moves up as the last level grows, targets derived from the last level', () => {
    const t = computeLevelTargets(bytes(0, 0, 0, 0, 0, 0, 1024 * MiB), 0, dyn);
    // 1 GiB / 10 = 102.4 MiB > 64 MiB, so L5 cannot be the base; / 100 = 10.24 MiB fits in L4.
    expect(t.baseLevel).toBe(4);
    expect(t.targets[4]).toBe(64 * MiB); // never below levelBaseBytes
    expect(t.targets[5]).toBeCloseTo(102.4 * MiB, -2);
    expect(t.targets[6]).toBeCloseTo(1024 * MiB, -2);
  });

  it('derives targets from the largest level even when it is not the last', () => {
    const t = computeLevelTargets(bytes(0, 0, 0, 0, 0, 700 * MiB, 100 * MiB), 0, dyn);
    // L5 would need 70 MiB > 64 MiB for the last level to hold 700 MiB: the base moves to L4.
    expect(t.baseLevel).toBe(4);
    expect(t.targets[4]).toBe(64 * MiB);
    expect(t.targets[5]).toBeCloseTo(70 * MiB, -2);
    expect(t.targets[6]).toBeCloseTo(700 * MiB, -2);
  });

  it('stops at L1 when even L1 would exceed levelBaseBytes', () => {
    const t = computeLevelTargets(bytes(0, 0, 0, 0, 0, 0, 64 * 1e6 * MiB), 0, dyn);
    expect(t.baseLevel).toBe(1);
    expect(t.targets[1]).toBe(64 * MiB);
    expect(t.targets[2]).toBe(640 * MiB);
  });

  it('a backlogged L0 raises the base target and flattens the multiplier', () => {
    const t = computeLevelTargets(bytes(200 * MiB, 0, 0, 0, 0, 0, 1024 * MiB), 3, dyn);
    expect(t.baseLevel).toBe(4);
    expect(t.targets[4]).toBe(200 * MiB);
    const m = Math.sqrt(1024 / 200);
    expect(t.targets[5]).toBeCloseTo(200 * MiB * m, -2);
    expect(t.targets[6]).toBeCloseTo(1024 * MiB, -2);
  });

  it('a backlog by file count alone also counts', () => {
    const t = computeLevelTargets(bytes(30 * MiB, 0, 0, 0, 0, 0, 1024 * MiB), 8, dyn);
    expect(t.targets[4]).toBe(64 * MiB); // raised to 30 MiB, still floored at levelBaseBytes
    const quiet = computeLevelTargets(bytes(30 * MiB, 0, 0, 0, 0, 0, 1024 * MiB), 7, dyn);
    expect(quiet.targets[5]).toBeCloseTo(102.4 * MiB, -2); // not backlogged: multiplier unchanged
    expect(t.targets[5]).toBeCloseTo(30 * MiB * Math.sqrt(1024 / 30), -2);
  });
});

describe('scores', () => {
  it('L0 by file count, base..last-1 by bytes over target, last level never', () => {
    const b = bytes(0, 0, 0, 0, 128 * MiB, 102.4 * MiB, 5000 * MiB);
    const t = computeLevelTargets(b, 6, dyn);
    const s = computeScores(b, 6, t, dyn);
    expect(s[0]).toBe(1.5);
    expect(s[6]).toBe(0);
    expect(t.baseLevel).toBe(4);
    for (let i = 1; i < t.baseLevel; i++) expect(s[i]).toBe(0);
    expect(s[4]).toBeCloseTo(128 / 64, 5);
  });
});
