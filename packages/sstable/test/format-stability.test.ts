// Format stability: tables written without a dictionary must stay byte-identical to the
// tables written before dictionary compression existed. The digests below were taken from
// the writer at commit 68e6f07 (before issue #9); any change to them is a format change.

import { MemFs, readFile } from '@lsm/fs';
import { describe, expect, it } from 'vitest';
import { xxh64Hex, ValueType } from '@lsm/base';
import { numKey, Rng } from '@lsm/base/testing';
import { TableWriter, type TableWriterOptions } from '../src/table-writer.js';

function writeFixedTable(options: TableWriterOptions): Uint8Array {
  const fs = new MemFs();
  const w = new TableWriter(fs, '/t.sst', { creationTime: 1_790_000_000_000, ...options });
  const rng = new Rng(7);
  const words = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', '{"k":1}', 'status=ok'];
  for (let i = 0; i < 3000; i++) {
    let v = '';
    for (let j = rng.int(12); j >= 0; j--) v += rng.pick(words) + ' ';
    w.add(numKey(i), 10_000 - i, i % 17 === 0 ? ValueType.Tombstone : ValueType.Value, i % 17 === 0 ? new Uint8Array(0) : new TextEncoder().encode(v));
  }
  w.addRangeTombstone(numKey(10), numKey(20), 5);
  w.finish();
  return readFile(fs, '/t.sst');
}

describe('tables without a dictionary are byte-identical to the pre-dictionary format', () => {
  it('compression none', () => {
    const bytes = writeFixedTable({ compression: 'none' });
    expect([bytes.length, xxh64Hex(bytes)]).toEqual(GOLDEN.none);
  });
  it('compression zstd level 3', () => {
    const bytes = writeFixedTable({ compression: 'zstd', compressionLevel: 3 });
    expect([bytes.length, xxh64Hex(bytes)]).toEqual(GOLDEN.zstd);
  });
});

// zstd output depends on the zstd version bundled with zstd-napi (0.0.13, zstd 1.5.x).
const GOLDEN = {
  none: [171172, '6500318d7cebd670'],
  zstd: [48906, 'e012fd281dd700a4'],
};
