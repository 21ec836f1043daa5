// Malformed bytes: FilterReader.from() throws FilterError('LSM_CORRUPTION') and nothing
// else; whatever it accepts can be probed without any exception, out-of-bounds read or
// hang. Exhaustive over a small multi-layer filter: every truncation, every byte flipped
// several ways, plus random garbage with and without a valid-looking header.

import { describe, expect, it } from 'vitest';
import { build, FilterError, FilterReader } from '../src/index.js';
import { expectFilterError, randomKeys, rng } from './helpers.js';

/** Loads `bytes` and, when that succeeds, probes them; only FilterError may escape. */
function loadAndProbe(bytes: Uint8Array, probes: Uint32Array, label: string): 'rejected' | 'accepted' {
  let reader: FilterReader;
  try {
    reader = FilterReader.from(bytes);
  } catch (err) {
    if (!(err instanceof FilterError) || err.code !== 'LSM_CORRUPTION') {
      expect.fail(`${label}: threw ${String(err)} instead of FilterError LSM_CORRUPTION`);
    }
    expect(err.message.length).toBeGreaterThan(0);
    return 'rejected';
  }
  for (let i = 0; i < probes.length; i += 2) {
    const answer = reader.mayContainHash(probes[i]!, probes[i + 1]!);
    if (typeof answer !== 'boolean') expect.fail(`${label}: non-boolean answer`);
  }
  return 'accepted';
}

describe('corrupted input', () => {
  // n = 3000 gives a bumping layer plus a final layer, so every section kind is covered.
  const keys = randomKeys(3000, 77);
  const good = build(keys, { fingerprintBits: 5 }).toBytes();
  // Member keys and random keys, so probes reach every layer.
  const probes = new Uint32Array(2 * 400);
  probes.set(keys.subarray(0, 400));
  probes.set(randomKeys(200, 78), 400);

  it('the uncorrupted filter is accepted and has several layers', () => {
    expect(loadAndProbe(good, probes, 'good')).toBe('accepted');
    expect(good[7]).toBeGreaterThanOrEqual(2);
  });

  it('every truncation is rejected with LSM_CORRUPTION', () => {
    for (let len = 0; len < good.length; len++) {
      expect(loadAndProbe(good.subarray(0, len), probes, `truncated to ${len}`), `len ${len}`).toBe('rejected');
    }
  });

  it('trailing bytes are rejected', () => {
    const longer = new Uint8Array(good.length + 4);
    longer.set(good);
    expect(loadAndProbe(longer, probes, 'extended')).toBe('rejected');
  });

  it('every byte flipped (several ways) is either rejected or safely probed', () => {
    const mutated = good.slice();
    let rejected = 0;
    for (let i = 0; i < good.length; i++) {
      for (const mutate of [(v: number) => v ^ 0xff, (v: number) => v ^ 0x01, (v: number) => v ^ 0x80, () => 0, () => 0xff]) {
        mutated[i] = mutate(good[i]!) & 0xff;
        if (loadAndProbe(mutated, probes, `byte ${i} changed to ${mutated[i]}`) === 'rejected') rejected++;
      }
      mutated[i] = good[i]!;
    }
    // Header and descriptor damage is almost always detected.
    expect(rejected).toBeGreaterThan(16 * 3);
  });

  it('random garbage never escapes as anything but FilterError', () => {
    const seed = 0xbad;
    const next = rng(seed);
    for (let t = 0; t < 3000; t++) {
      const len = (next() >>> 0) % 600;
      const bytes = new Uint8Array(len);
      for (let i = 0; i < len; i++) bytes[i] = next() & 0xff;
      if (t % 2 === 0 && len >= 16) {
        // A plausible header so the deeper checks run: magic, version, r, log2 B, layers.
        bytes.set([0x42, 0x75, 0x52, 0x52, 1, 1 + ((next() >>> 0) % 32), 7, 1 + ((next() >>> 0) % 3)]);
      }
      loadAndProbe(bytes, probes, `garbage #${t} (seed ${seed})`);
    }
  });

  it('header damage produces specific messages with offsets', () => {
    const withByte = (i: number, v: number): Uint8Array => {
      const b = good.slice();
      b[i] = v;
      return b;
    };
    expect(expectFilterError(() => FilterReader.from(withByte(0, 0)), 'LSM_CORRUPTION').message).toMatch(/magic/);
    expect(expectFilterError(() => FilterReader.from(withByte(4, 2)), 'LSM_CORRUPTION').message).toMatch(/version 2/);
    expect(expectFilterError(() => FilterReader.from(withByte(5, 0)), 'LSM_CORRUPTION').offset).toBe(5);
    expect(expectFilterError(() => FilterReader.from(withByte(5, 33)), 'LSM_CORRUPTION').message).toMatch(/fingerprint bits/);
    expect(expectFilterError(() => FilterReader.from(withByte(6, 0)), 'LSM_CORRUPTION').message).toMatch(/bucket size/);
    expect(expectFilterError(() => FilterReader.from(withByte(7, 0)), 'LSM_CORRUPTION').message).toMatch(/layer count/);
    expect(expectFilterError(() => FilterReader.from(withByte(7, 200)), 'LSM_CORRUPTION').message).toMatch(/layer count/);
    expect(expectFilterError(() => FilterReader.from(good.subarray(0, 10)), 'LSM_CORRUPTION').message).toMatch(/truncated header/);
    // keyCount disagreeing with the layers' counts
    const b = good.slice();
    new DataView(b.buffer).setUint32(8, 2999, true);
    expect(expectFilterError(() => FilterReader.from(b), 'LSM_CORRUPTION').message).toMatch(/key count/);
    // a huge slot count cannot make the reader allocate or walk past the end
    const c = good.slice();
    new DataView(c.buffer).setUint32(16, 0xffffffe0, true);
    expect(expectFilterError(() => FilterReader.from(c), 'LSM_CORRUPTION').message).toMatch(/slot count/);
    new DataView(c.buffer).setUint32(16, 0x40000000, true);
    expect(expectFilterError(() => FilterReader.from(c), 'LSM_CORRUPTION').message).toMatch(/truncated/);
    // a slot count that is not a multiple of 32
    new DataView(c.buffer).setUint32(16, 1000, true);
    expect(expectFilterError(() => FilterReader.from(c), 'LSM_CORRUPTION').offset).toBe(16);
  });

  it('rejects non-Uint8Array input as corruption', () => {
    expectFilterError(() => FilterReader.from(new Uint16Array(16) as unknown as Uint8Array), 'LSM_CORRUPTION');
    expectFilterError(() => FilterReader.from('BuRR' as unknown as Uint8Array), 'LSM_CORRUPTION');
  });
});
