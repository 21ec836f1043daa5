// Seeded PRNG for the benchmark: xoshiro128** (Blackman & Vigna) with its 128-bit state
// filled by splitmix32 from the seed. A 32-bit-state generator is not enough here: its
// streams for different seeds are shifted copies of one 2^32-long sequence, so a stream of
// hundreds of millions of "absent" queries can replay the member keys and inflate the
// measured false-positive rate.

/** Returns a generator of int32 values for the given seed. */
export function rng(seed: number): () => number {
  let x = seed | 0;
  const split = (): number => {
    x = (x + 0x9e3779b9) | 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return z ^ (z >>> 16);
  };
  let a = split(), b = split(), c = split(), d = split();
  if ((a | b | c | d) === 0) a = 1;
  return () => {
    const t = b << 9;
    let r = Math.imul(b, 5);
    r = Math.imul((r << 7) | (r >>> 25), 9);
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = (d << 11) | (d >>> 21);
    return r;
  };
}
