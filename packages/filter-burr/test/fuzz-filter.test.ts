// Fuzzing FilterReader.from (the only decoder of this package) with fast-check: random
// bytes, bytes behind a plausible header, structurally consistent filters with random
// contents, valid filters damaged by 1-4 mutations, and every kind of truncation and
// extension. Every input must give a reader whose probes answer booleans without
// throwing, or FilterError('LSM_CORRUPTION'); never another error, a hang or a large
// allocation. Undamaged filters must keep every member (no false negatives) and their
// key count; a truncated or extended filter must always be rejected (the header fixes
// the exact length).

import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { build, FilterReader } from '../src/index.js';
import { HEADER_BYTES, LAYER_DESCRIPTOR_BYTES, MAGIC, metaWordsOf, solutionWordsOf } from '../src/format.js';
import { FUZZ_TIMEOUT, Fuzzed, mutate, mutations, params, position, sameBytes } from './fuzz-helpers.js';

const fuzz = new Fuzzed('filter-burr FilterReader.from');
afterAll(() => console.log(fuzz.summary()));

/** Probe hashes that reach every layer: members and random ones. */
const PROBES = fc.array(fc.tuple(fc.integer(), fc.integer()), { minLength: 1, maxLength: 48 });

/** Decodes and, when accepted, probes: every answer must be a boolean. */
function decodeAndProbe(bytes: Uint8Array, probes: readonly (readonly [number, number])[]): FilterReader | undefined {
  return fuzz.decode(bytes.length, () => {
    const r = FilterReader.from(bytes);
    for (const [hi, lo] of probes) {
      const a = r.mayContainHash(hi, lo);
      if (typeof a !== 'boolean') throw new Error('non-boolean probe answer');
    }
    r.layerInfo();
    return r;
  });
}

/** A valid filter: random key hashes and options. */
const validFilter = fc
  .record({
    hashes: fc.uint32Array({ maxLength: 2 * 2500 }).map((a) => (a.length % 2 === 0 ? a : a.subarray(0, a.length - 1))),
    option: fc.oneof(
      fc.record({ fingerprintBits: fc.integer({ min: 1, max: 32 }) }),
      fc.record({ bitsPerKey: fc.double({ min: 2, max: 40, noNaN: true }) }),
      fc.record({ fpRate: fc.double({ min: 0.0001, max: 0.5, noNaN: true }) }),
    ),
    seed: fc.nat(),
  })
  .map(({ hashes, option, seed }) => ({ hashes, bytes: build(hashes, { ...option, seed }).toBytes() }));

describe('fuzz: FilterReader.from', { timeout: FUZZ_TIMEOUT }, () => {
  it('random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), PROBES, (bytes, probes) => {
        decodeAndProbe(bytes, probes);
      }),
      params(30000),
    );
  });

  it('random bytes behind a plausible header', () => {
    const header = fc.record({
      version: fc.constantFrom(1, 1, 1, 0, 2),
      r: fc.integer({ min: 0, max: 33 }),
      logB: fc.integer({ min: 0, max: 17 }),
      layers: fc.integer({ min: 0, max: 17 }),
      keys: fc.oneof(fc.integer({ min: 0, max: 2000 }), fc.nat()),
      cutA: fc.integer({ min: 0, max: 70000 }),
      cutB: fc.integer({ min: 0, max: 70000 }),
    });
    fc.assert(
      fc.property(header, fc.uint8Array({ maxLength: 4096 }), PROBES, (h, tail, probes) => {
        const bytes = new Uint8Array(HEADER_BYTES + tail.length);
        const dv = new DataView(bytes.buffer);
        dv.setUint32(0, MAGIC, true);
        dv.setUint8(4, h.version);
        dv.setUint8(5, h.r);
        dv.setUint8(6, h.logB);
        dv.setUint8(7, h.layers);
        dv.setUint32(8, h.keys, true);
        dv.setUint16(12, h.cutA & 0xffff, true);
        dv.setUint16(14, h.cutB & 0xffff, true);
        bytes.set(tail, HEADER_BYTES);
        decodeAndProbe(bytes, probes);
      }),
      params(30000),
    );
  });

  it('consistent headers with random section contents are accepted and probe safely', () => {
    const shape = fc.record({
      r: fc.integer({ min: 1, max: 32 }),
      logB: fc.integer({ min: 1, max: 16 }),
      layers: fc.array(fc.record({ groups: fc.integer({ min: 3, max: 40 }), seed: fc.nat(), keys: fc.integer({ min: 0, max: 500 }) }), { minLength: 1, maxLength: 16 }),
      cuts: fc.tuple(fc.nat(), fc.nat()),
      fill: fc.nat(),
    });
    fc.assert(
      fc.property(shape, PROBES, (s, probes) => {
        const B = 2 ** s.logB;
        const [a, b] = [s.cuts[0] % (B + 1), s.cuts[1] % (B + 1)].sort((x, y) => x - y) as [number, number];
        const keyCount = s.layers.reduce((t, l) => t + l.keys, 0);
        const layers = keyCount === 0 ? [{ ...s.layers[0]!, keys: 1 }] : s.layers;
        const total = layers.reduce((t, l) => t + l.keys, 0);
        let size = HEADER_BYTES + LAYER_DESCRIPTOR_BYTES * layers.length;
        layers.forEach((l, i) => {
          if (i < layers.length - 1) size += 4 * metaWordsOf(l.groups * 32, s.logB);
          size += 4 * solutionWordsOf(l.groups * 32, s.r);
        });
        const bytes = new Uint8Array(size);
        const dv = new DataView(bytes.buffer);
        let x = s.fill | 1;
        for (let i = 0; i < size; i++) {
          x ^= x << 13;
          x ^= x >>> 17;
          x ^= x << 5;
          bytes[i] = x & 0xff;
        }
        dv.setUint32(0, MAGIC, true);
        dv.setUint8(4, 1);
        dv.setUint8(5, s.r);
        dv.setUint8(6, s.logB);
        dv.setUint8(7, layers.length);
        dv.setUint32(8, total, true);
        dv.setUint16(12, a, true);
        dv.setUint16(14, b, true);
        layers.forEach((l, i) => {
          const at = HEADER_BYTES + LAYER_DESCRIPTOR_BYTES * i;
          dv.setUint32(at, l.groups * 32, true);
          dv.setUint32(at + 4, l.seed >>> 0, true);
          dv.setUint32(at + 8, l.keys, true);
        });
        const reader = decodeAndProbe(bytes, probes);
        expect(reader, 'a consistent filter must be accepted').toBeDefined();
        expect(reader!.keyCount).toBe(total);
      }),
      params(10000),
    );
  });

  it('valid filters: accepted, no false negatives, key count kept', () => {
    fc.assert(
      fc.property(validFilter, ({ hashes, bytes }) => {
        const reader = decodeAndProbe(bytes, []);
        expect(reader).toBeDefined();
        expect(reader!.keyCount).toBe(hashes.length / 2);
        for (let i = 0; i < hashes.length; i += 2) {
          if (!reader!.mayContainHash(hashes[i]!, hashes[i + 1]!)) throw new Error(`false negative for member ${i / 2}`);
        }
      }),
      params(1000),
    );
  });

  it('valid filters with 1-4 mutations: rejected, or probed safely (members kept when nothing changed)', () => {
    fc.assert(
      fc.property(validFilter, mutations, PROBES, ({ hashes, bytes }, ms, probes) => {
        const damaged = mutate(bytes, ms);
        const member: [number, number][] = [];
        for (let i = 0; i < Math.min(hashes.length, 64); i += 2) member.push([hashes[i]!, hashes[i + 1]!]);
        const reader = decodeAndProbe(damaged, [...probes, ...member]);
        if (sameBytes(damaged, bytes)) {
          expect(reader).toBeDefined();
          for (const [hi, lo] of member) expect(reader!.mayContainHash(hi, lo)).toBe(true);
        }
      }),
      params(10000),
    );
  });

  it('every truncation and every extension of a valid filter is rejected', () => {
    fc.assert(
      fc.property(validFilter, position, fc.uint8Array({ minLength: 1, maxLength: 64 }), ({ bytes }, cut, extra) => {
        const short = bytes.subarray(0, Math.floor(cut * bytes.length));
        expect(decodeAndProbe(short, []), `truncated to ${short.length} of ${bytes.length}`).toBeUndefined();
        const long = new Uint8Array(bytes.length + extra.length);
        long.set(bytes);
        long.set(extra, bytes.length);
        expect(decodeAndProbe(long, []), `extended by ${extra.length}`).toBeUndefined();
      }),
      params(1500),
    );
  });
});
