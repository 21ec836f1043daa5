// Assembles a structured zstd dictionary (RFC 8878 section 5):
//   magic 0xEC30A437 (u32 LE) | dictionary id (u32 LE) | literals Huffman table |
//   offset-code FSE table | match-length FSE table | literal-length FSE table |
//   3 repeat offsets (u32 LE each, nonzero, at most the content size) | content
// With entropy tables in the dictionary, a small block can reuse them instead of
// describing its own, which on 4 KiB blocks is worth several percent of the output.

import { writeFseTableDescription, normalizeCounts } from './fse-table-description.js';
import { writeHuffmanTableDescription } from './huffman-table-description.js';
import type { SequenceStatistics } from './sequence-statistics.js';
import { ZSTD_DICTIONARY_MAGIC } from './zstd-dictionary-codec.js';

/** Accuracy logs zstd accepts for dictionary tables: offsets <= 8, lengths <= 9. */
const OF_LOG = 8;
const ML_LOG = 9;
const LL_LOG = 9;

/**
 * A dictionary id in zstd's range for private use (32768 .. 2^31 - 1), derived from the
 * content so the same content always gets the same id.
 */
export function dictionaryIdFor(content: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < content.length; i++) h = Math.imul(h ^ content[i]!, 0x01000193);
  return 32768 + ((h >>> 0) % (2 ** 31 - 32768));
}

/** Builds the dictionary from its content and the statistics of the samples against it. */
export function buildZstdDictionary(content: Uint8Array, stats: SequenceStatistics): Uint8Array {
  const parts: Uint8Array[] = [];
  const head = new Uint8Array(8);
  const dv = new DataView(head.buffer);
  dv.setUint32(0, ZSTD_DICTIONARY_MAGIC, true);
  dv.setUint32(4, dictionaryIdFor(content), true);
  parts.push(head);
  parts.push(writeHuffmanTableDescription(stats.literals));
  parts.push(writeFseTableDescription(normalizeCounts(stats.offsets, OF_LOG), OF_LOG));
  parts.push(writeFseTableDescription(normalizeCounts(stats.matchLengths, ML_LOG), ML_LOG));
  parts.push(writeFseTableDescription(normalizeCounts(stats.literalLengths, LL_LOG), LL_LOG));
  // Repeat offsets: zstd's defaults (1, 4, 8) unless the samples favour others.
  const reps = [...stats.topOffsets.filter((o) => o >= 1 && o <= content.length)];
  for (const d of [1, 4, 8]) if (reps.length < 3 && !reps.includes(d)) reps.push(d);
  const rep = new Uint8Array(12);
  const rv = new DataView(rep.buffer);
  for (let i = 0; i < 3; i++) rv.setUint32(4 * i, Math.min(reps[i]!, Math.max(1, content.length)), true);
  parts.push(rep);
  parts.push(content);
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
