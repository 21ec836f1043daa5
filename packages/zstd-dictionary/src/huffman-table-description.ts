// The literals Huffman table of a zstd dictionary (RFC 8878 section 4.2.1): code lengths
// from literal counts (each + 1, so every byte has a code and the table can serve any
// block), limited to 11 bits, described by their weights. The weights of bytes 0..254 are
// FSE-compressed (the weight of 255 is implied); should that not fit the 127-byte limit,
// the "direct" form (4-bit weights) covers bytes 0..127 only, and a block with a literal
// above 127 then sends its own table (zstd checks the dictionary's table before reusing it).

import { fseEncodeTwoStates, normalizeCounts, writeFseTableDescription } from './fse-table-description.js';

const MAX_BITS = 11;
/** Symbols covered: 0..127 (127 stored weights + the implied last one). */
export const HUFFMAN_SYMBOLS = 128;

/** Code lengths (1..11) for `counts` (each treated as count + 1), a complete prefix code. */
export function huffmanCodeLengths(counts: ArrayLike<number>): Uint8Array {
  const n = counts.length;
  let weights = Array.from({ length: n }, (_, i) => counts[i]! + 1);
  for (;;) {
    const lengths = plainHuffman(weights);
    let max = 0;
    for (const l of lengths) if (l > max) max = l;
    if (max <= MAX_BITS) return lengths;
    // Too deep: flatten the distribution and retry (halving keeps order, narrows the range).
    weights = weights.map((w) => (w >>> 1) + 1);
  }
}

/** Unlimited Huffman code lengths by repeatedly merging the two lightest nodes (deterministic ties). */
function plainHuffman(weights: readonly number[]): Uint8Array {
  const n = weights.length;
  const parent = new Int32Array(2 * n).fill(-1);
  const nodes: Array<{ w: number; id: number }> = weights.map((w, id) => ({ w, id }));
  let next = n;
  while (nodes.length > 1) {
    nodes.sort((a, b) => a.w - b.w || a.id - b.id);
    const a = nodes.shift()!;
    const b = nodes.shift()!;
    parent[a.id] = next;
    parent[b.id] = next;
    nodes.push({ w: a.w + b.w, id: next++ });
  }
  const lengths = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let d = 0;
    for (let p = parent[i]!; p !== -1; p = parent[p]!) d++;
    lengths[i] = d;
  }
  return lengths;
}

/** The Huffman tree description for literal counts of bytes 0..255. */
export function writeHuffmanTableDescription(literalCounts: ArrayLike<number>): Uint8Array {
  return compressedDescription(literalCounts) ?? directDescription(literalCounts);
}

/** All 256 bytes: 255 weights, FSE-compressed (accuracy log 6); undefined if over 127 bytes. */
function compressedDescription(literalCounts: ArrayLike<number>): Uint8Array | undefined {
  const lengths = huffmanCodeLengths(Array.from({ length: 256 }, (_, i) => literalCounts[i] ?? 0));
  let maxLen = 0;
  for (const l of lengths) if (l > maxLen) maxLen = l;
  const weights = Array.from({ length: 255 }, (_, s) => maxLen + 1 - lengths[s]!);
  let maxWeight = 0;
  for (const w of weights) if (w > maxWeight) maxWeight = w;
  const counts = new Array<number>(maxWeight + 1).fill(0);
  for (const w of weights) counts[w]!++;
  const log = 6;
  const probs = normalizeCounts(counts, log);
  const table = writeFseTableDescription(probs, log);
  const stream = fseEncodeTwoStates(weights, probs, log);
  if (stream === undefined || table.length + stream.length > 127) return undefined;
  const out = new Uint8Array(1 + table.length + stream.length);
  out[0] = table.length + stream.length;
  out.set(table, 1);
  out.set(stream, 1 + table.length);
  return out;
}

/** Bytes 0..127 only: 127 stored 4-bit weights and the implied last one. */
function directDescription(literalCounts: ArrayLike<number>): Uint8Array {
  const counts = Array.from({ length: HUFFMAN_SYMBOLS }, (_, i) => literalCounts[i]!);
  const lengths = huffmanCodeLengths(counts);
  let maxLen = 0;
  for (const l of lengths) if (l > maxLen) maxLen = l;
  const stored = HUFFMAN_SYMBOLS - 1;
  const out = new Uint8Array(1 + Math.ceil(stored / 2));
  out[0] = 127 + stored;
  for (let s = 0; s < stored; s++) {
    const weight = maxLen + 1 - lengths[s]!;
    out[1 + (s >> 1)]! |= s % 2 === 0 ? weight << 4 : weight;
  }
  return out;
}
