import { makeBlocks } from './dict-data.js';
import { trainDictionary, compressedSize } from '../src/dictionary/zstd-dictionary-trainer.js';
import { sequenceStatistics } from '../src/dictionary/sequence-statistics.js';
import { buildZstdDictionary } from '../src/dictionary/zstd-dictionary-format.js';
import { readFileSync } from 'node:fs';
const blocks = makeBlocks(42, 800);
const train = blocks.slice(0, 400), test = blocks.slice(400);
let t = performance.now();
const content = trainDictionary(train, { maxBytes: 16384, segmentSizes: [512], dmerSizes: [8] });
console.log('content ms', performance.now() - t);
t = performance.now();
const stats = sequenceStatistics(content, train);
console.log('stats ms', performance.now() - t, stats.topOffsets, Array.from(stats.offsets).join(','));
// Reserve room for the header: content shrinks so the total stays within maxBytes.
const dict = buildZstdDictionary(content, stats);
console.log('dict bytes', dict.length, 'header', dict.length - content.length);
console.log('none', compressedSize(new Uint8Array(0), test, 3), 'raw', compressedSize(content, test, 3), 'full', compressedSize(dict, test, 3));
const ref = readFileSync('/tmp/dictexp/ref16384.dict');
console.log('ref (trained on other set)', compressedSize(ref, test, 3));
