// FSE table descriptions for a zstd dictionary's sequence tables (RFC 8878 section
// 4.1.1): symbol counts are normalized to probabilities summing to 2^accuracyLog, and
// written as the variable-length bit fields zstd's decoder reads. Every symbol from 0 to
// the largest one gets a probability of at least 1, so the table can code any block and
// zstd may reuse it for every block ("valid" repeat mode) instead of sending its own.

/**
 * Probabilities for symbols 0..counts.length-1, each >= 1, summing to 2^accuracyLog:
 * proportional to counts + 1 (every symbol stays codable), largest-remainder rounding.
 */
export function normalizeCounts(counts: ArrayLike<number>, accuracyLog: number): Int32Array {
  const n = counts.length;
  const size = 1 << accuracyLog;
  if (n > size) throw new RangeError(`${n} symbols do not fit a table of ${size}`);
  let total = 0;
  for (let i = 0; i < n; i++) total += counts[i]! + 1;
  const spare = size - n; // points beyond the 1 every symbol gets
  const out = new Int32Array(n).fill(1);
  const rest: Array<[number, number]> = [];
  let given = 0;
  for (let i = 0; i < n; i++) {
    const exact = ((counts[i]! + 1) / total) * spare;
    const whole = Math.floor(exact);
    out[i]! += whole;
    given += whole;
    rest.push([exact - whole, i]);
  }
  rest.sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let j = 0; given < spare; j++, given++) out[rest[j % n]![1]]!++;
  return out;
}

/** Writes bits least-significant first, as zstd's forward bit streams are read. */
class BitWriter {
  private bytes: number[] = [];
  private acc = 0;
  private n = 0;
  write(value: number, bits: number): void {
    for (let i = 0; i < bits; i++) {
      this.acc |= ((value >>> i) & 1) << this.n;
      if (++this.n === 8) {
        this.bytes.push(this.acc);
        this.acc = 0;
        this.n = 0;
      }
    }
  }
  finish(): Uint8Array {
    if (this.n > 0) this.bytes.push(this.acc);
    return Uint8Array.from(this.bytes);
  }
}

/** Encodes normalized probabilities (all >= 1, summing to 2^accuracyLog) as an FSE table description. */
export function writeFseTableDescription(probabilities: Int32Array, accuracyLog: number): Uint8Array {
  if (accuracyLog < 5 || accuracyLog > 15) throw new RangeError(`accuracy log ${accuracyLog} out of range`);
  const w = new BitWriter();
  w.write(accuracyLog - 5, 4);
  let remaining = 1 << accuracyLog;
  for (let s = 0; s < probabilities.length && remaining > 0; s++) {
    const p = probabilities[s]!;
    if (p < 1 || p > remaining) throw new RangeError(`probability ${p} of symbol ${s} is invalid here`);
    const max = remaining + 1; // largest value (probability + 1) possible now
    const bits = 32 - Math.clz32(max); // bits to hold max
    const low = (1 << bits) - 1 - max; // values below this take one bit less
    const v = p + 1;
    if (v < low) w.write(v, bits - 1);
    else if (v < 1 << (bits - 1)) w.write(v, bits);
    else w.write(v + low, bits);
    remaining -= p;
  }
  if (remaining !== 0) throw new RangeError('probabilities do not sum to the table size');
  return w.finish();
}

/** The decoding table zstd builds from probabilities (all >= 1): per state its symbol, bit count and base. */
export function fseDecodingTable(probabilities: Int32Array, accuracyLog: number): { symbol: Uint8Array; nbBits: Uint8Array; base: Uint16Array } {
  const size = 1 << accuracyLog;
  const mask = size - 1;
  const step = (size >>> 1) + (size >>> 3) + 3;
  const symbol = new Uint8Array(size);
  let pos = 0;
  for (let s = 0; s < probabilities.length; s++) {
    for (let i = 0; i < probabilities[s]!; i++) {
      symbol[pos] = s;
      pos = (pos + step) & mask;
    }
  }
  const next = Int32Array.from(probabilities);
  const nbBits = new Uint8Array(size);
  const base = new Uint16Array(size);
  for (let u = 0; u < size; u++) {
    const x = next[symbol[u]!]!++;
    const nb = accuracyLog - (31 - Math.clz32(x));
    nbBits[u] = nb;
    base[u] = (x << nb) - size;
  }
  return { symbol, nbBits, base };
}

/**
 * FSE-encodes `symbols` the way zstd decodes Huffman weights: two interleaved states over
 * one table, read backward; symbol i comes from state (i mod 2). The decoder stops when a
 * state update runs past the start of the stream and then emits the other state's symbol,
 * so the stream ends right after the update of symbol n-3 and symbol n-2's state must want
 * at least one more bit. Returns undefined when that cannot be arranged (n < 2, or a
 * table with a single symbol).
 */
export function fseEncodeTwoStates(symbols: ArrayLike<number>, probabilities: Int32Array, accuracyLog: number): Uint8Array | undefined {
  const n = symbols.length;
  if (n < 2) return undefined;
  const t = fseDecodingTable(probabilities, accuracyLog);
  const size = 1 << accuracyLog;
  // states[i]: the decoder state that emits symbols[i].
  const states = new Int32Array(n);
  const pick = (sym: number, wantBits: boolean): number => {
    for (let u = 0; u < size; u++) if (t.symbol[u] === sym && (!wantBits || t.nbBits[u]! > 0)) return u;
    return -1;
  };
  states[n - 1] = pick(symbols[n - 1]!, false);
  states[n - 2] = pick(symbols[n - 2]!, true);
  if (states[n - 1]! < 0 || states[n - 2]! < 0) return undefined;
  const bits = new Int32Array(n);
  for (let i = n - 3; i >= 0; i--) {
    const target = states[i + 2]!;
    let found = -1;
    for (let u = 0; u < size; u++) {
      if (t.symbol[u] === symbols[i] && target >= t.base[u]! && target < t.base[u]! + (1 << t.nbBits[u]!)) {
        found = u;
        break;
      }
    }
    if (found < 0) return undefined;
    states[i] = found;
    bits[i] = target - t.base[found]!;
  }
  // Written in reverse of the reading order; the decoder reads state 1, state 2, then the
  // update bits of symbols 0, 1, ..., n-3.
  const w = new BitWriter();
  for (let i = n - 3; i >= 0; i--) w.write(bits[i]!, t.nbBits[states[i]!]!);
  w.write(states[1]!, accuracyLog);
  w.write(states[0]!, accuracyLog);
  w.write(1, 1); // end mark
  return w.finish();
}
