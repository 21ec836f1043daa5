// A small seeded random generator (mulberry32). Everything random in lsm-stress comes from
// one of these, seeded from the run's seed, so a run is a pure function of its seed and
// replays exactly on any machine.

/** Deterministic generator of 32-bit values; the same seed gives the same sequence. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    // Fold the (safe-integer) seed into 32 bits so that large seeds still differ.
    this.state = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.floor(seed / 0x100000000) ^ 0x5bd1e995) >>> 0;
    for (let i = 0; i < 4; i++) this.u32();
  }

  /** A uniform 32-bit unsigned integer. */
  u32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    return this.u32() / 0x100000000;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** An integer in [lo, hi] (inclusive). */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element of a non-empty list. */
  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)]!;
  }
}

/** `len` pseudo-random bytes determined by `seed` alone (values are regenerated from their spec). */
export function bytesFromSeed(seed: number, len: number): Uint8Array {
  const out = new Uint8Array(len);
  const r = new Rng(seed);
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const w = r.u32();
    out[i] = w & 0xff;
    out[i + 1] = (w >>> 8) & 0xff;
    out[i + 2] = (w >>> 16) & 0xff;
    out[i + 3] = w >>> 24;
  }
  for (; i < len; i++) out[i] = r.u32() & 0xff;
  return out;
}

/**
 * A value of `len` bytes determined by `seed`: for odd seeds pseudo-random bytes (which no
 * compressor shrinks), for even seeds a short random piece repeated (which zstd shrinks a
 * lot), so compressed tables and blob files hold both compressed and stored payloads.
 */
export function valueFromSeed(seed: number, len: number): Uint8Array {
  if (seed % 2 === 1) return bytesFromSeed(seed, len);
  const piece = bytesFromSeed(seed, 1 + (seed % 29));
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i++) out[i] = piece[i % piece.length]!;
  return out;
}
