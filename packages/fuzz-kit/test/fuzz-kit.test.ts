// The fuzz harness itself: where its mutations land (spread over the whole input, not
// crowded at byte 0: the fault fc.double had), what each mutation does to the bytes, and
// the decoder contract Fuzzed.decode enforces (which outcomes pass, which fail the
// property). A harness that quietly tried less than it says makes every fuzz test weaker.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Fuzzed, type Mutation, fraction, hangLimitMs, mutate, mutations, position, runs } from '../src/index.js';

/** An error with the error contract's stable code (the harness knows errors by `code`). */
function coded(code: string, message: string, fields: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { code, ...fields });
}

describe('mutation positions', () => {
  it('fraction is uniform over [0, 1): every tenth of the range gets its share', () => {
    const xs = fc.sample(fraction, { numRuns: 20_000, seed: 1 });
    const deciles = new Array<number>(10).fill(0);
    for (const x of xs) {
      expect(x >= 0 && x < 1).toBe(true);
      deciles[Math.floor(x * 10)]!++;
    }
    for (const n of deciles) expect(n).toBeGreaterThan(1_500); // 2,000 expected each
  });

  it('positions land anywhere in the input, and now and then on its first or last byte', () => {
    const xs = fc.sample(position, { numRuns: 20_000, seed: 2 });
    const size = 1000;
    const at = xs.map((x) => Math.floor(x * size));
    expect(at.every((i) => i >= 0 && i < size)).toBe(true);
    const first = at.filter((i) => i === 0).length;
    const last = at.filter((i) => i === size - 1).length;
    // fc.double put over nine in ten draws at byte 0; now about 1 in 16 goes to each end.
    expect(first / xs.length).toBeLessThan(0.1);
    expect(first).toBeGreaterThan(500);
    expect(last).toBeGreaterThan(500);
    const middle = at.filter((i) => i >= 250 && i < 750).length;
    expect(middle / xs.length).toBeGreaterThan(0.4);
  });

  it('the mutations of a property reach every part of an input', () => {
    const size = 4096;
    const hit = new Array<number>(16).fill(0);
    for (const ms of fc.sample(mutations, { numRuns: 5_000, seed: 3 })) {
      for (const m of ms) if ('at' in m) hit[Math.floor(Math.floor(m.at * size) / 256)]!++;
    }
    for (const n of hit) expect(n).toBeGreaterThan(200);
  });
});

describe('mutate', () => {
  const input = Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 7]);
  const apply = (...ms: Mutation[]): number[] => [...mutate(input, ms)];

  it('applies each kind at its position, on a copy', () => {
    expect(apply({ kind: 'flip', at: 0.5, bit: 1 })).toEqual([0, 1, 2, 3, 6, 5, 6, 7]);
    expect(apply({ kind: 'set', at: 0.99, byte: 255 })).toEqual([0, 1, 2, 3, 4, 5, 6, 255]);
    expect(apply({ kind: 'truncate', at: 0.25 })).toEqual([0, 1]);
    expect(apply({ kind: 'extend', bytes: Uint8Array.from([9, 9]) })).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 9, 9]);
    expect(apply({ kind: 'zero', at: 0.75, len: 64 })).toEqual([0, 1, 2, 3, 4, 5, 0, 0]);
    expect(apply({ kind: 'splice', at: 0.125, bytes: Uint8Array.from([8]) })).toEqual([0, 8, 1, 2, 3, 4, 5, 6, 7]);
    expect([...input]).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('applies several in order, each on the result of the one before', () => {
    expect(apply({ kind: 'truncate', at: 0.5 }, { kind: 'set', at: 0.99, byte: 9 })).toEqual([0, 1, 2, 9]);
  });
});

describe('Fuzzed.decode: the decoder contract', () => {
  it('counts values and LSM_CORRUPTION; fails on anything else', () => {
    const f = new Fuzzed('test decoder');
    expect(f.decode(4, () => 7)).toBe(7);
    expect(f.decode(4, () => { throw coded('LSM_CORRUPTION', 'bad block'); })).toBeUndefined();
    expect(() => f.decode(4, () => { throw new RangeError('offset out of bounds'); })).toThrow(/test decoder: threw RangeError/);
    expect(() => f.decode(4, () => { throw coded('LSM_NOT_SUPPORTED', 'newer'); })).toThrow(/LSM_NOT_SUPPORTED|threw/);
    expect(f.decode(4, () => { throw coded('LSM_NOT_SUPPORTED', 'newer'); }, { notSupported: true })).toBeUndefined();
    expect([f.inputs, f.accepted, f.corrupt, f.notSupported]).toEqual([5, 1, 1, 1]);
    expect(f.summary()).toContain('5 inputs (1 accepted and checked, 1 LSM_CORRUPTION, 1 LSM_NOT_SUPPORTED)');
  });

  it('with `file`, LSM_CORRUPTION must name the file in its field and message', () => {
    const f = new Fuzzed('named');
    expect(f.decode(1, () => { throw coded('LSM_CORRUPTION', 'bad block in /db/1.sst', { file: '/db/1.sst' }); }, { file: '/db/1.sst' })).toBeUndefined();
    expect(() => f.decode(1, () => { throw coded('LSM_CORRUPTION', 'bad block', { file: '/db/2.sst' }); }, { file: '/db/1.sst' })).toThrow(/does not name \/db\/1.sst/);
  });

  it('with `damaged`, a value is a failure: the damage went unnoticed', () => {
    const f = new Fuzzed('damaged');
    expect(() => f.decode(1, () => 1, { damaged: true })).toThrow(/accepted an input whose damage it must detect/);
  });

  it('a call slower than the hang limit fails', () => {
    const f = new Fuzzed('slow');
    expect(() =>
      f.decode(1, () => {
        const end = performance.now() + 2100;
        while (performance.now() < end);
        return 0;
      }),
    ).toThrow(/a hang/);
  });
});

describe('runs', () => {
  it('is the default, or FUZZ_RUNS when that is larger', () => {
    const saved = process.env['FUZZ_RUNS'];
    try {
      delete process.env['FUZZ_RUNS'];
      expect(runs(300)).toBe(300);
      process.env['FUZZ_RUNS'] = '1000000';
      expect(runs(300)).toBe(1_000_000);
      process.env['FUZZ_RUNS'] = '10';
      expect(runs(300)).toBe(300);
    } finally {
      if (saved === undefined) delete process.env['FUZZ_RUNS'];
      else process.env['FUZZ_RUNS'] = saved;
    }
  });
});

describe('hangLimitMs', () => {
  it('is 2 s, or FUZZ_HANG_MS when that is a positive integer', () => {
    const saved = process.env['FUZZ_HANG_MS'];
    try {
      delete process.env['FUZZ_HANG_MS'];
      expect(hangLimitMs()).toBe(2000);
      process.env['FUZZ_HANG_MS'] = '60000';
      expect(hangLimitMs()).toBe(60_000);
      process.env['FUZZ_HANG_MS'] = 'soon';
      expect(hangLimitMs()).toBe(2000);
      process.env['FUZZ_HANG_MS'] = '0';
      expect(hangLimitMs()).toBe(2000);
    } finally {
      if (saved === undefined) delete process.env['FUZZ_HANG_MS'];
      else process.env['FUZZ_HANG_MS'] = saved;
    }
  });
});
