// A standard Bloom filter, for the benchmark's comparison only (not exported by the
// package): m bits in one array, k probes by double hashing (Kirsch & Mitzenmacher,
// g_i = h1 + i * h2 mod m) from the same 64-bit key hash BuRR uses. Promise: no false
// negatives; false-positive rate close to the textbook (1 - e^(-kn/m))^k.

const TWO_POW_M32 = 2.3283064365386963e-10;

/** Best integer number of probes for m/n bits per key. */
export function optimalK(bitsPerKey: number): number {
  return Math.max(1, Math.round(bitsPerKey * Math.LN2));
}

/** Textbook false-positive rate of a Bloom filter with k probes at bitsPerKey. */
export function bloomFpr(bitsPerKey: number, k: number): number {
  return (1 - Math.exp(-k / bitsPerKey)) ** k;
}

/**
 * Smallest bits per key (to 0.001) at which a Bloom filter with its optimal integer k
 * reaches the false-positive rate p.
 */
export function bloomBitsForFpr(p: number): number {
  let lo = 0.5, hi = 200;
  const ok = (b: number): boolean => bloomFpr(b, optimalK(b)) <= p || [-1, 1].some((d) => {
    const k = optimalK(b) + d;
    return k >= 1 && bloomFpr(b, k) <= p;
  });
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (ok(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** Best integer k for bitsPerKey when aiming at a rate (ties broken by the lower rate). */
export function bestK(bitsPerKey: number): number {
  let best = 1, bestFpr = 1;
  for (let k = Math.max(1, optimalK(bitsPerKey) - 2); k <= optimalK(bitsPerKey) + 2; k++) {
    const f = bloomFpr(bitsPerKey, k);
    if (f < bestFpr) {
      bestFpr = f;
      best = k;
    }
  }
  return best;
}

export class BloomFilter {
  readonly bits: Int32Array;
  readonly m: number;
  readonly k: number;

  constructor(numBits: number, k: number) {
    this.m = Math.max(32, Math.ceil(numBits / 32) * 32);
    this.k = k;
    this.bits = new Int32Array(this.m / 32);
  }

  get byteLength(): number {
    return this.bits.length * 4;
  }

  add(hi: number, lo: number): void {
    const m = this.m, bits = this.bits;
    // h1 and h2 by multiply-shift range reduction ("fastrange"); h2 is forced odd so that
    // the probe sequence does not collapse when m is even.
    let h = Math.floor((lo >>> 0) * m * TWO_POW_M32);
    const step = Math.floor((hi >>> 0) * m * TWO_POW_M32) | 1;
    for (let i = 0; i < this.k; i++) {
      bits[h >>> 5]! |= 1 << (h & 31);
      h += step;
      if (h >= m) h -= m;
    }
  }

  mayContainHash(hi: number, lo: number): boolean {
    const m = this.m, bits = this.bits;
    let h = Math.floor((lo >>> 0) * m * TWO_POW_M32);
    const step = Math.floor((hi >>> 0) * m * TWO_POW_M32) | 1;
    for (let i = 0; i < this.k; i++) {
      if ((bits[h >>> 5]! & (1 << (h & 31))) === 0) return false;
      h += step;
      if (h >= m) h -= m;
    }
    return true;
  }
}
