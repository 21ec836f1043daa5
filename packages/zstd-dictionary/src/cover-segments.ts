// Content selection for a zstd dictionary, after COVER (Liao, Petri, Moffat, Wirth,
// "Effective construction of relative Lempel-Ziv dictionaries", WWW 2016) in the hashed
// "fastCover" form: every d-byte string (d-mer) of the samples is hashed into a table of
// 2^f counters holding how often it occurs. The dictionary is filled with k-byte segments
// of the samples; a segment's score is the sum of the counts of the distinct d-mers it
// contains, and once a segment is taken the counts of its d-mers drop to zero, so later
// segments cover what is still uncovered. The samples are split into epochs and each pass
// takes the best segment of each epoch in turn, which spreads the dictionary over the
// whole sample set in linear time. Promises: deterministic (same samples and parameters,
// same bytes), output at most maxBytes, only bytes that occur in the samples.

/** Parameters of one content selection. */
export interface CoverParameters {
  /** Dictionary content size to fill, in bytes. */
  readonly maxBytes: number;
  /** Segment length in bytes (COVER's k). */
  readonly k: number;
  /** d-mer length: 6 or 8 (shorter matches zstd's minimum match better on small data). */
  readonly d: 6 | 8;
  /** log2 of the number of hash counters (default 20). */
  readonly f?: number;
}

/** Samples concatenated, with the d-mer hash at each position (or `none` past a sample's end). */
export interface HashedSamples {
  readonly data: Uint8Array;
  /** hashes[i] = hash of data[i, i + d), or `none` when that would cross a sample boundary. */
  readonly hashes: Uint32Array;
  readonly none: number;
  readonly d: number;
  readonly f: number;
}

/** Concatenates the samples and hashes every d-mer that lies inside one sample. */
export function hashSamples(samples: readonly Uint8Array[], d: 6 | 8, f = 20): HashedSamples {
  let total = 0;
  for (const s of samples) total += s.length;
  const data = new Uint8Array(total);
  const none = 1 << f;
  const hashes = new Uint32Array(total).fill(none);
  const shift = 32 - f;
  let off = 0;
  for (const s of samples) {
    data.set(s, off);
    const end = off + s.length - d;
    for (let i = off; i <= end; i++) {
      const lo = (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24)) >>> 0;
      const hi = d === 8 ? data[i + 4]! | (data[i + 5]! << 8) | (data[i + 6]! << 16) | (data[i + 7]! << 24) : data[i + 4]! | (data[i + 5]! << 8);
      hashes[i] = (Math.imul(lo, 0x9e3779b1) ^ Math.imul(hi ^ (lo >>> 13), 0x85ebca77)) >>> shift;
    }
    off += s.length;
  }
  return { data, hashes, none, d, f };
}

/**
 * Selects dictionary content from hashed samples: at most `maxBytes` bytes, the most
 * valuable segment last (zstd reaches the end of a dictionary with the smallest offsets).
 */
export function selectSegments(hs: HashedSamples, params: CoverParameters): Uint8Array {
  const { data, hashes, none, d } = hs;
  const n = data.length;
  const k = Math.max(params.k, d + 1);
  const maxBytes = Math.min(params.maxBytes, n);
  if (n < d || maxBytes <= 0) return data.slice(0, Math.max(0, maxBytes));

  // How often each d-mer occurs in the samples (slot `none` stays 0).
  const freq = new Uint32Array(none + 1);
  for (let i = 0; i < n; i++) freq[hashes[i]!]!++;
  freq[none] = 0;

  // Epochs: about 4 passes over the samples fill the dictionary; an epoch must hold
  // several segments to choose from.
  let epochs = Math.max(1, Math.floor(maxBytes / k / 4));
  const minEpochSize = k * 10;
  if (Math.floor(n / epochs) < minEpochSize) epochs = Math.max(1, Math.floor(n / minEpochSize));
  const epochSize = Math.floor(n / epochs);

  const active = new Uint16Array(none + 1); // d-mer counts inside the current window
  const out = new Uint8Array(maxBytes);
  let tail = maxBytes; // out is filled from the end towards the front
  let zeroRun = 0;
  for (let e = 0; tail > 0 && zeroRun < epochs; e = (e + 1) % epochs) {
    const begin = e * epochSize;
    const end = e === epochs - 1 ? n : begin + epochSize;
    const best = bestSegment(hashes, freq, active, begin, end, k, d);
    if (best.score === 0) {
      zeroRun++;
      continue;
    }
    zeroRun = 0;
    // Trim d-mers that add nothing at either end, then take [start, last d-mer + d).
    let s = best.start;
    let last = best.start + k - d;
    while (s <= last && freq[hashes[s]!] === 0) s++;
    while (last > s && freq[hashes[last]!] === 0) last--;
    const segEnd = Math.min(last + d, n);
    for (let i = s; i <= last; i++) freq[hashes[i]!] = 0;
    const len = Math.min(segEnd - s, tail);
    tail -= len;
    out.set(data.subarray(segEnd - len, segEnd), tail);
  }
  return tail === 0 ? out : out.slice(tail);
}

/** The k-byte window of [begin, end) whose distinct d-mers have the largest total count. */
function bestSegment(
  hashes: Uint32Array,
  freq: Uint32Array,
  active: Uint16Array,
  begin: number,
  end: number,
  k: number,
  d: number,
): { start: number; score: number } {
  const dmers = k - d + 1; // d-mers starting inside one window
  const lastStart = end - d; // last position whose d-mer lies in the epoch
  let bestStart = begin;
  let bestScore = 0;
  let score = 0;
  let head = begin; // window holds d-mers starting at [tailPos, head)
  let tailPos = begin;
  for (; head <= lastStart; head++) {
    const h = hashes[head]!;
    if (active[h]!++ === 0) score += freq[h]!;
    if (head - tailPos + 1 > dmers) {
      const t = hashes[tailPos++]!;
      if (--active[t]! === 0) score -= freq[t]!;
    }
    if (score > bestScore) {
      bestScore = score;
      bestStart = tailPos;
    }
  }
  // Leave the counters zeroed for the next call.
  for (let i = tailPos; i < head; i++) active[hashes[i]!] = 0;
  return { start: bestStart, score: bestScore };
}
