// Option and input validation: bad options or inputs throw FilterError
// ('LSM_INVALID_ARGUMENT') naming the problem, before any work is done.

import { describe, expect, it } from 'vitest';
import { build, type BuildOptions, type Hash64 } from '../src/index.js';
import { expectFilterError, randomKeys } from './helpers.js';

describe('option validation', () => {
  const keys = randomKeys(10, 1);
  const bad: [BuildOptions, RegExp][] = [
    [{ fingerprintBits: 0 }, /fingerprintBits/],
    [{ fingerprintBits: 33 }, /fingerprintBits/],
    [{ fingerprintBits: 7.5 }, /fingerprintBits/],
    [{ fingerprintBits: '7' as unknown as number }, /^LSM_INVALID_ARGUMENT: fingerprintBits must be an integer in 1\.\.32, got "7"$/],
    [{ fpRate: '0.01' as unknown as number }, /^LSM_INVALID_ARGUMENT: fpRate must be a number in \(0, 1\), got "0\.01"$/],
    [{ bitsPerKey: '10' as unknown as number }, /^LSM_INVALID_ARGUMENT: bitsPerKey must be a finite number, got "10"$/],
    [{ seed: '3' as unknown as number }, /^LSM_INVALID_ARGUMENT: seed must be an integer in \[0, 2\^32\), got "3"$/],
    [{ fpRate: 0 }, /fpRate/],
    [{ fpRate: 1 }, /fpRate/],
    [{ fpRate: -0.1 }, /fpRate/],
    [{ fpRate: Number.NaN }, /fpRate/],
    [{ fpRate: 1e-12 }, /2\^-32/],
    [{ bitsPerKey: 0.5 }, /bitsPerKey/],
    [{ bitsPerKey: Number.NaN }, /bitsPerKey/],
    [{ bitsPerKey: Number.POSITIVE_INFINITY }, /bitsPerKey/],
    [{ fingerprintBits: 7, fpRate: 0.01 }, /at most one/],
    [{ fpRate: 0.01, bitsPerKey: 10 }, /at most one/],
    [{ seed: -1 }, /seed/],
    [{ seed: 2 ** 32 }, /seed/],
    [{ seed: 1.5 }, /seed/],
  ];
  it('rejects bad options with LSM_INVALID_ARGUMENT', () => {
    for (const [options, message] of bad) {
      const err = expectFilterError(() => build(keys, options), 'LSM_INVALID_ARGUMENT', JSON.stringify(options));
      expect(err.message).toMatch(message);
    }
    expectFilterError(() => build(keys, 7 as unknown as BuildOptions), 'LSM_INVALID_ARGUMENT');
  });

  it('accepts boundary options', () => {
    expect(build(keys, { fingerprintBits: 1 }).fingerprintBits).toBe(1);
    expect(build(keys, { fingerprintBits: 32 }).fingerprintBits).toBe(32);
    expect(build(keys, { seed: 0xffffffff }).keyCount).toBe(10);
    expect(build(keys, {}).fingerprintBits).toBe(7);
    expect(build(keys, { fingerprintBits: undefined, seed: 3 }).fingerprintBits).toBe(7);
  });

  it('rejects malformed inputs', () => {
    expectFilterError(() => build(new Uint32Array(3)), 'LSM_INVALID_ARGUMENT');
    expectFilterError(() => build([{ hi: 1, lo: 2 }, { hi: 1 } as Hash64]), 'LSM_INVALID_ARGUMENT');
    expectFilterError(() => build([{ hi: 2 ** 32, lo: 0 }]), 'LSM_INVALID_ARGUMENT');
    expectFilterError(() => build([{ hi: 1.5, lo: 0 }]), 'LSM_INVALID_ARGUMENT');
    expectFilterError(() => build([null as unknown as Hash64]), 'LSM_INVALID_ARGUMENT');
    expectFilterError(() => build('keys' as unknown as Hash64[]), 'LSM_INVALID_ARGUMENT');
    expectFilterError(() => build(new Int32Array(4) as unknown as Uint32Array), 'LSM_INVALID_ARGUMENT');
    const err = expectFilterError(() => build([{ hi: 1, lo: 2 }, { hi: 'x', lo: 2 } as unknown as Hash64]), 'LSM_INVALID_ARGUMENT');
    expect(err.message).toMatch(/hashes\[1\]/);
  });
});
