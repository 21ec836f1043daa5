import { MemFs, readFile, writeFile } from '@lsm/fs';
import { describe, expect, it } from 'vitest';
import type { Comparator } from '@lsm/base';
import { b, numKey } from '@lsm/base/testing';
import { Table } from '../src/table.js';
import { TableWriter } from '../src/table-writer.js';
import { tableVerify } from '../src/verify.js';

function sample(fs: MemFs): void {
  const w = new TableWriter(fs, '/v.sst', { blockSize: 512, compression: 'zstd' });
  for (let i = 0; i < 2000; i++) w.put(numKey(i), 1, b(`value-${i % 13}`));
  w.addRangeTombstone(b('a'), b('b'), 9);
  w.finish();
}

describe('tableVerify', () => {
  it('walks every block of a good table', () => {
    const fs = new MemFs();
    sample(fs);
    const v = tableVerify(fs, '/v.sst');
    const p = Table.open(fs, '/v.sst').properties;
    expect(v.ok).toBe(true);
    expect(v.problems).toEqual([]);
    expect(v.entries).toBe(2000);
    expect(v.dataBlocks).toBe(p.dataBlockCount);
    // data blocks + properties, metaindex, filter, range tombstones and index
    expect(v.blocksChecked).toBe(p.dataBlockCount + 5);
    expect(v.fileChecksumOk).toBe(true);
    expect(v.orderChecked).toBe(true);
  });

  it('reports a damaged data block by offset and keeps walking', () => {
    const fs = new MemFs();
    sample(fs);
    const bytes = readFile(fs, '/v.sst');
    bytes[10]! ^= 0x40; // inside the first data block
    const len = bytes.length;
    writeFile(fs, '/v.sst', bytes);
    const v = tableVerify(fs, '/v.sst');
    expect(v.ok).toBe(false);
    expect(v.problems.some((p) => p.offset === 0 && p.message.includes('checksum'))).toBe(true);
    expect(v.fileChecksumOk).toBe(false);
    expect(v.entries).toBeGreaterThan(1500); // the other blocks were walked
    expect(v.fileSize).toBe(len);
  });

  it('skips the order check for an unknown custom comparator unless given', () => {
    const rev: Comparator = { name: 'rev', compare: (x, y) => Buffer.compare(y, x) };
    const fs = new MemFs();
    const w = new TableWriter(fs, '/r.sst', { comparator: rev });
    w.put(b('b'), 1, b(''));
    w.put(b('a'), 1, b(''));
    w.addRangeTombstone(b('z'), b('c'), 4); // [z, c) in reverse order
    w.finish();
    expect(tableVerify(fs, '/r.sst').orderChecked).toBe(false);
    expect(tableVerify(fs, '/r.sst').ok).toBe(true);
    const v = tableVerify(fs, '/r.sst', { comparator: rev });
    expect(v.orderChecked).toBe(true);
    expect(v.ok).toBe(true);
  });
});
