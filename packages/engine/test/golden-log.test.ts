// Golden write-ahead log: test/fixtures/golden-v1-log/ is a store written by the engine
// before write batches took one seqno each (batch records of format version 1: operation i
// of a batch at seqno first + i; see fixtures/make-golden-v1-log.mjs). Every later build
// must replay it to the same contents, and reads as of the seqnos it used keep their
// meaning (old records keep one seqno per operation).

import { MemFs, writeFile } from '@lsm/fs';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Tree, appendWithSeparator } from '../src/index.js';

const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'golden-v1-log');
const seqnos = JSON.parse(readFileSync(join(FIXTURE, 'seqnos.json'), 'utf8')) as Record<string, number>;
const text = (v: Uint8Array | undefined): string | undefined => (v === undefined ? undefined : new TextDecoder().decode(v));

/** A MemFs holding a copy of the golden store at /db. */
function goldenFs(): MemFs {
  const fs = new MemFs();
  fs.createDirAll('/db');
  for (const name of readdirSync(FIXTURE)) {
    if (name === 'seqnos.json') continue;
    writeFile(fs, `/db/${name}`, readFileSync(join(FIXTURE, name)));
  }
  return fs;
}

const open = (fs: MemFs): Tree => Tree.open('/db', { fs, mergeOperator: appendWithSeparator('+') });

function expectLatest(tree: Tree): void {
  const want: Record<string, string | undefined> = { a: 'a1', b: 'b2', c: 'c3', d: 'd4', e: undefined, g: 'g6', h: 'h7', i: undefined, m: 'x+y+z' };
  for (const [k, v] of Object.entries(want)) expect(text(tree.get(k)), `key ${k}`).toBe(v);
  expect([...tree.range({ seqno: seqnos.last })].map(([k]) => text(k))).toEqual(['a', 'b', 'c', 'd', 'g', 'h', 'm']);
}

describe('golden write-ahead log of format version 1', () => {
  it('holds the files the generator wrote', () => {
    expect(readdirSync(FIXTURE).sort()).toEqual(['000003.log', 'CURRENT', 'MANIFEST-000002', 'seqnos.json']);
    expect(seqnos).toEqual({ a: 1, dupPuts: 5, merges: 8, putThenRange: 11, i: 12, rangeThenPut: 14, last: 15 });
  });

  it('replays to the same contents, with one seqno per operation of the old batches', () => {
    const fs = goldenFs();
    const tree = open(fs);
    expect(tree.seqno).toBe(seqnos.last);
    expectLatest(tree);
    // Old records keep their per-operation seqnos: reads inside an old batch see its prefix.
    expect(text(tree.get('b', { seqno: 2 }))).toBe('b1');
    expect(text(tree.get('c', { seqno: 4 }))).toBeUndefined();
    expect(text(tree.get('m', { seqno: 6 }))).toBe('x');
    expect(text(tree.get('e', { seqno: 9 }))).toBe('e5');
    expect(text(tree.get('e', { seqno: 10 }))).toBeUndefined();
    expect(text(tree.get('i', { seqno: 12 }))).toBe('i-old');
    expect(text(tree.get('i', { seqno: 13 }))).toBeUndefined();
    // New writes continue after the replayed seqnos, and everything survives a reopen and a compaction.
    const s = tree.put('n', 'new');
    expect(s).toBe(seqnos.last! + 1);
    tree.close();
    const again = open(fs);
    expectLatest(again);
    expect(text(again.get('n'))).toBe('new');
    again.compact();
    expectLatest(again);
    again.close();
  });
});
