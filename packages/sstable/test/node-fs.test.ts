// The same writer and reader on the real disk (NodeFs confined to a temp dir).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeFs } from '@lsm/fs';
import { afterAll, describe, expect, it } from 'vitest';
import { BlockCache } from '../src/block-cache.js';
import { MergingIterator } from '@lsm/base';
import { b, numKey, s } from '@lsm/base/testing';
import { Table } from '../src/table.js';
import { TableWriter } from '../src/table-writer.js';
import { tableVerify } from '../src/verify.js';

const dir = mkdtempSync(join(tmpdir(), 'lsm-sstable-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('NodeFs', () => {
  it('writes, fsyncs, reopens, reads, merges and verifies tables on disk', () => {
    const fs = new NodeFs({ root: dir });
    const paths = [join(dir, '000001.sst'), join(dir, '000002.sst')];
    paths.forEach((p, t) => {
      const w = new TableWriter(fs, p, { compression: t === 0 ? 'zstd' : 'none', blockSize: 1024 });
      for (let i = t; i < 20_000; i += 2) w.put(numKey(i), 5 + t, b(`value-${i}-${'x'.repeat(i % 50)}`));
      w.addRangeTombstone(numKey(100), numKey(200), 3);
      const meta = w.finish();
      expect(meta.fileSize).toBe(fs.metadata(p).size);
    });
    const cache = new BlockCache(1 << 20);
    const tables = paths.map((p, i) => Table.open(fs, p, { cache, tableId: i + 1 }));
    expect(s(tables[0]!.get(numKey(1234))!.value)).toBe(`value-1234-${'x'.repeat(1234 % 50)}`);
    expect(s(tables[1]!.get(numKey(1235))!.value)).toBe(`value-1235-${'x'.repeat(1235 % 50)}`);
    expect(tables[0]!.get(numKey(1235))).toBeUndefined();
    const m = new MergingIterator(tables.map((t) => t.iterator()));
    let n = 0;
    for (m.seekToFirst(); m.valid(); m.next()) {
      expect(s(m.userKey())).toBe(s(numKey(n)));
      n++;
    }
    expect(n).toBe(20_000);
    m.close();
    for (const t of tables) t.close();
    for (const p of paths) {
      const v = tableVerify(fs, p);
      expect(v.ok).toBe(true);
      expect(v.fileChecksumOk).toBe(true);
      expect(v.entries).toBe(10_000);
    }
  });
});
