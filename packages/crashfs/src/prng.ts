// A small seeded pseudo-random generator (mulberry32) so that torn-write crashes replay
// exactly: the same seed and the same operations give the same sequence of choices.
// CrashFs advances it only inside crash(), never on ordinary operations.

/** Deterministic 32-bit PRNG (mulberry32). */
export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** The next value in [0, 2^32). */
  nextU32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** A uniform integer in [0, max] (max a non-negative safe integer), from 53 random bits. */
  intInclusive(max: number): number {
    const hi = this.nextU32() >>> 5; // 27 bits
    const lo = this.nextU32() >>> 6; // 26 bits
    const x = (hi * 67108864 + lo) / 9007199254740992; // [0, 1)
    return Math.min(max, Math.floor(x * (max + 1)));
  }
}

/**
 * How much of a file's unsynced tail survives a torn crash, in units of the pending ops
 * (one per written byte, one per setLen). One time in eight nothing survives, one time in
 * eight everything does, otherwise a uniform amount: the extremes matter for testing and a
 * uniform pick over a large tail would almost never reach them.
 */
export function tornBudget(rng: Prng, units: number): number {
  const pick = rng.nextU32() & 7;
  if (pick === 0) return 0;
  if (pick === 1) return units;
  return rng.intInclusive(units);
}
