// Statistics for a dictionary's entropy tables: how often each literal byte, literal-length
// code, match-length code and offset code occurs when the samples are compressed against
// the dictionary content. zstd's own trainer compresses the samples and reads its internal
// sequence store; neither zstd backend exposes it, so this module parses each sample itself
// with a small greedy LZ77 matcher (hash chains, minimum match 5, repeat offset first) that
// behaves like zstd's fast levels closely enough for table statistics. The codes follow
// RFC 8878 section 3.1.1.3.2.1 (literal length, match length and offset codes).

/** Symbol counts gathered from the samples. */
export interface SequenceStatistics {
  readonly literals: Uint32Array; // 256
  readonly literalLengths: Uint32Array; // 36 codes
  readonly matchLengths: Uint32Array; // 53 codes
  readonly offsets: Uint32Array; // 32 codes
  /** Real (non-repeat) offsets, most frequent first (at most 3). */
  readonly topOffsets: number[];
}

const LL_BASE = [16, 18, 20, 24, 28, 32, 40, 48, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072];
const ML_BASE = [35, 37, 39, 41, 43, 47, 51, 59, 67, 83, 99, 131, 259, 515, 1027, 2051, 4099, 8195, 16387, 32771, 65539];

/** Literal-length code of `ll` literals (0..35). */
export function literalLengthCode(ll: number): number {
  if (ll < 16) return ll;
  let c = LL_BASE.length - 1;
  while (LL_BASE[c]! > ll) c--;
  return 16 + c;
}

/** Match-length code of a match of `ml` bytes (ml >= 3; 0..52). */
export function matchLengthCode(ml: number): number {
  if (ml < 35) return ml - 3;
  let c = ML_BASE.length - 1;
  while (ML_BASE[c]! > ml) c--;
  return 32 + c;
}

/** Offset code of an offset value (1..3 repeat offsets, offset + 3 otherwise). */
export function offsetCode(offsetValue: number): number {
  return 31 - Math.clz32(offsetValue);
}

/** zstd's level-3 parameters for small inputs: matches of 5+, repeat matches of 4+. */
const MIN_MATCH = 5;
const REP_MIN_MATCH = 4;
const HASH_LOG = 15;
const CHAIN_DEPTH = 16;

/** Parses every sample against `content` and counts the symbols zstd would code. */
export function sequenceStatistics(content: Uint8Array, samples: readonly Uint8Array[]): SequenceStatistics {
  const literals = new Uint32Array(256);
  const literalLengths = new Uint32Array(36);
  const matchLengths = new Uint32Array(53);
  const offsets = new Uint32Array(32);
  const offsetFreq = new Map<number, number>();
  const head = new Int32Array(1 << HASH_LOG);
  let buf = new Uint8Array(0);
  let chain = new Int32Array(0);
  const dictLen = content.length;
  for (const sample of samples) {
    const n = dictLen + sample.length;
    if (buf.length < n) {
      buf = new Uint8Array(n);
      chain = new Int32Array(n);
    }
    buf.set(content, 0);
    buf.set(sample, dictLen);
    head.fill(-1);
    const insert = (p: number): void => {
      const h = hash4(buf, p);
      chain[p] = head[h]!;
      head[h] = p;
    };
    for (let p = 0; p + MIN_MATCH <= dictLen; p++) insert(p);
    let rep = 1;
    let litStart = dictLen;
    let p = dictLen;
    const emit = (at: number, len: number, off: number): void => {
      for (let i = litStart; i < at; i++) literals[buf[i]!]!++;
      literalLengths[literalLengthCode(at - litStart)]!++;
      matchLengths[matchLengthCode(len)]!++;
      if (off === rep && at > litStart) {
        offsets[0]!++;
      } else {
        offsets[offsetCode(off + 3)]!++;
        offsetFreq.set(off, (offsetFreq.get(off) ?? 0) + 1);
        rep = off;
      }
    };
    while (p + MIN_MATCH <= n) {
      // As zstd's fast strategies do: a repeat-offset match one byte ahead first (one
      // literal, then the same offset again is the typical shape of structured records),
      // then the longest match at p from the hash chain.
      if (p + 1 - rep >= 0 && p + 1 + REP_MIN_MATCH <= n) {
        const l = matchLength(buf, p + 1 - rep, p + 1, n);
        if (l >= REP_MIN_MATCH) {
          insert(p);
          emit(p + 1, l, rep);
          const end = p + 1 + l;
          for (p = p + 1; p < end && p + MIN_MATCH <= n; p++) insert(p);
          p = end;
          litStart = p;
          continue;
        }
      }
      let bestLen = 0;
      let bestOff = 0;
      let cand = head[hash4(buf, p)]!;
      for (let depth = 0; cand >= 0 && depth < CHAIN_DEPTH; depth++, cand = chain[cand]!) {
        const l = matchLength(buf, cand, p, n);
        if (l > bestLen) {
          bestLen = l;
          bestOff = p - cand;
        }
      }
      if (bestLen < MIN_MATCH) {
        insert(p);
        p++;
        continue;
      }
      emit(p, bestLen, bestOff);
      const end = p + bestLen;
      for (; p < end && p + MIN_MATCH <= n; p++) insert(p);
      p = end;
      litStart = p;
    }
    // Trailing literals follow the last sequence (they have no literal-length code).
    for (let i = litStart; i < n; i++) literals[buf[i]!]!++;
  }
  const topOffsets = [...offsetFreq.entries()]
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, 3)
    .map((e) => e[0]);
  return { literals, literalLengths, matchLengths, offsets, topOffsets };
}

function hash4(b: Uint8Array, p: number): number {
  const v = (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
  return Math.imul(v, 0x9e3779b1) >>> (32 - HASH_LOG);
}

function matchLength(b: Uint8Array, a: number, p: number, end: number): number {
  let l = 0;
  while (p + l < end && b[a + l] === b[p + l]) l++;
  return l;
}
