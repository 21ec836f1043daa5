// Secondary stores (issue #24, part 2): Tree.openSecondary follows a live primary with
// tryCatchUp(). A primary in another process writes batches that each set k<i> and the
// counter `last` together; after every catch-up the secondary must see a state the
// primary really had (exactly the keys of the batches up to `last`), while the primary
// flushes and compacts (deleting tables the secondary reads). In one process: open
// iterators and snapshots keep their view across catch-ups, and writes are refused.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FaultFs, MemFs, NodeFs } from '@lsm/fs';
import { describe, expect, it } from 'vitest';
import { expectLsmError } from '@lsm/base/testing';
import { Tree, type TreeOptions } from '../src/index.js';

const text = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : new TextDecoder().decode(b));
const key = (i: number): string => `k${String(i).padStart(6, '0')}`;

function withDir(fn: (root: string) => void | Promise<void>): () => Promise<void> {
  return async () => {
    const root = mkdtempSync(join(tmpdir(), 'lsm-secondary-'));
    try {
      await fn(root);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  };
}

describe('Tree.openSecondary', () => {
  it(
    'follows a primary in this process: catch-ups show new writes, iterators and snapshots keep their view',
    withDir((root) => {
      const fs = new NodeFs({ root });
      const dir = `${root}/db`;
      const options: TreeOptions = { fs, memtableBytes: 16 * 1024, backgroundThreads: 0 };
      const primary = Tree.open(dir, options);
      for (let i = 0; i < 2000; i++) primary.put(key(i), `a${i}`);
      const secondary = Tree.openSecondary(dir, { fs });
      expect(text(secondary.get(key(1999)))).toBe('a1999');
      expectLsmError(() => secondary.put('x', 'y'), 'LSM_READ_ONLY');
      expectLsmError(() => primary.tryCatchUp(), 'LSM_INVALID_ARGUMENT');
      const snap = secondary.snapshot();
      const it = secondary.range();
      expect(text(it.next().value?.[1])).toBe('a0');
      // The primary rewrites everything and compacts: every table the secondary has open is deleted.
      for (let i = 0; i < 2000; i++) primary.put(key(i), `b${i}`);
      primary.put(key(5000), 'new');
      primary.compact();
      primary.put(key(5001), 'in the log only');
      expect(text(secondary.get(key(5000)))).toBeUndefined(); // not caught up yet
      const r = secondary.tryCatchUp();
      expect(r.manifestChanged).toBe(true);
      expect(r.seqno).toBe(primary.seqno);
      expect(text(secondary.get(key(7)))).toBe('b7');
      expect(text(secondary.get(key(5000)))).toBe('new');
      expect(text(secondary.get(key(5001)))).toBe('in the log only');
      // The snapshot and the iterator read the tables the primary deleted.
      expect(text(snap.get(key(7)))).toBe('a7');
      expect(text(snap.get(key(5000)))).toBeUndefined();
      expect([...snap.range({ limit: 3 })].map(([, v]) => text(v))).toEqual(['a0', 'a1', 'a2']);
      let n = 1;
      for (const [k, v] of it) {
        expect(text(v)).toBe(`a${Number(text(k)!.slice(1))}`);
        n++;
      }
      expect(n).toBe(2000);
      snap.release();
      // Nothing new: a cheap catch-up that changes nothing.
      const again = secondary.tryCatchUp();
      expect(again.manifestChanged).toBe(false);
      expect(again.operations).toBe(0);
      // Only the tail of a log is replayed, not the whole log again.
      primary.put(key(5002), 'tail');
      const tail = secondary.tryCatchUp();
      expect(tail.operations).toBe(1);
      expect(text(secondary.get(key(5002)))).toBe('tail');
      expect([...secondary.range()].length).toBe(2003);
      secondary.close();
      primary.close();
    }),
  );

  it(
    'follows a primary in another process that writes, flushes and compacts: every catch-up is a state the primary had',
    withDir(async (root) => {
      const dir = `${root}/db`;
      const child = join(root, 'primary.mjs');
      const engine = new URL('../dist/index.js', import.meta.url).href;
      const fsPkg = import.meta.resolve('@lsm/fs');
      writeFileSync(
        child,
        `import { Tree } from ${JSON.stringify(engine)};
import { NodeFs } from ${JSON.stringify(fsPkg)};
const t = Tree.open(${JSON.stringify(dir)}, { fs: new NodeFs({ root: ${JSON.stringify(root)} }), memtableBytes: 32 * 1024 });
const key = (i) => 'k' + String(i).padStart(6, '0');
process.stdout.write('open\\n');
for (let i = 0; i < 6000; i++) t.batch().put(key(i), 'v' + i + '-'.repeat(i % 40)).put('last', String(i)).commit();
t.close();
process.stdout.write('done\\n');
`,
      );
      const proc = spawn(process.execPath, [child], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
      while (!out.includes('open')) await new Promise((r) => setTimeout(r, 5));
      const fs = new NodeFs({ root });
      const secondary = Tree.openSecondary(dir, { fs });
      let checks = 0;
      let rebuilt = 0;
      let seen = -1;
      const check = (): void => {
        const last = secondary.get('last');
        const l = last === undefined ? -1 : Number(text(last));
        expect(l, 'the view never goes back').toBeGreaterThanOrEqual(seen);
        seen = l;
        const keys = [...secondary.range({ lt: 'last' })].map(([k, v]) => {
          const i = Number(text(k)!.slice(1));
          expect(text(v)).toBe(`v${i}${'-'.repeat(i % 40)}`);
          return i;
        });
        expect(keys.length, `catch-up at last=${l}`).toBe(l + 1);
        checks++;
      };
      check();
      const exited = new Promise<number>((r) => proc.on('exit', (code) => r(code ?? -1)));
      let done = false;
      void exited.then(() => (done = true));
      while (!done) {
        const r = secondary.tryCatchUp();
        if (r.logsDropped > 0) rebuilt++;
        check();
        await new Promise((r) => setTimeout(r, 3));
      }
      expect(await exited).toBe(0);
      // The last catch-up sees every batch (a catch-up that started over once had replayed
      // the last records already, and lost track of their seqnos: reads stopped short).
      secondary.tryCatchUp();
      check();
      expect(seen).toBe(5999);
      expect(checks).toBeGreaterThan(5);
      expect(rebuilt, 'the primary flushed logs the secondary had replayed').toBeGreaterThan(0);
      secondary.close();
    }),
  );

  it('a catch-up that fails leaves readers where the last good one did (the new manifest is adopted only with its logs)', () => {
    const mem = new MemFs();
    const primary = Tree.open('/db', { fs: mem, backgroundThreads: 0 });
    primary.put('k', 'v1');
    primary.put('other', 'o1');
    primary.flush();
    const faults = new FaultFs(mem);
    const secondary = Tree.openSecondary('/db', { fs: faults });
    expect(text(secondary.get('k'))).toBe('v1');
    const seqBefore = secondary.seqno;
    // The primary overwrites k and compacts to the bottom: the table holding v1 is gone
    // and so is v1 (nothing in the primary needs it).
    primary.put('k', 'v2');
    primary.delete('other');
    primary.flush();
    primary.compact();
    primary.put('late', 'in the log');
    // Every attempt now sees its log vanish while it reads (after reading the new
    // manifest): the catch-up gives up.
    const rule = faults.addRule({ op: 'open', path: '.log', times: Infinity, fault: { type: 'error', code: 'ENOENT' } });
    expectLsmError(() => secondary.tryCatchUp(), 'LSM_IO');
    expect(rule.fired).toBeGreaterThanOrEqual(5);
    // Readers still see the state of the last good catch-up, whole: not the new tables
    // read at the old seqno (where v1 is gone and v2 is too new to see).
    expect(secondary.seqno).toBe(seqBefore);
    expect(text(secondary.get('k'))).toBe('v1');
    expect(text(secondary.get('other'))).toBe('o1');
    expect([...secondary.range()].map(([key, v]) => `${text(key)}=${text(v)}`)).toEqual(['k=v1', 'other=o1']);
    rule.disarm();
    const r = secondary.tryCatchUp();
    expect(r.manifestChanged).toBe(true);
    expect(r.seqno).toBe(primary.seqno);
    expect(text(secondary.get('k'))).toBe('v2');
    expect(secondary.get('other')).toBeUndefined();
    expect(text(secondary.get('late'))).toBe('in the log');
    secondary.close();
    primary.close();
  });

  it('records a failed catch-up replayed stay invisible: reads, scans and snapshots keep the last good seqno', () => {
    const mem = new MemFs();
    const primary = Tree.open('/db', { fs: mem, backgroundThreads: 0 });
    primary.put('a', '1');
    const faults = new FaultFs(mem);
    const secondary = Tree.openSecondary('/db', { fs: faults });
    expect(text(secondary.get('a'))).toBe('1');
    const seqBefore = secondary.seqno;
    // Into the log the secondary already follows: the next attempt replays these records
    // into a memtable readers search, then fails its last check (the manifest "changed").
    primary.batch().put('late', 'x').delete('a').commit();
    primary.deleteRange('0', 'z');
    const rule = faults.addRule({ op: 'metadata', path: 'MANIFEST', after: 1, times: Infinity, fault: { type: 'error', code: 'ENOENT' } });
    expectLsmError(() => secondary.tryCatchUp(), 'LSM_IO');
    expect(rule.fired).toBeGreaterThanOrEqual(5);
    expect(secondary.seqno).toBe(seqBefore);
    expect(secondary.get('late')).toBeUndefined();
    expect(text(secondary.get('a'))).toBe('1');
    expect(secondary.multiGet(['a', 'late']).map(text)).toEqual(['1', undefined]);
    expect([...secondary.range()].map(([k, v]) => `${text(k)}=${text(v)}`)).toEqual(['a=1']);
    expect([...secondary.range({ reverse: true })].map(([k, v]) => `${text(k)}=${text(v)}`)).toEqual(['a=1']);
    const snap = secondary.snapshot();
    expect(text(snap.get('a'))).toBe('1');
    rule.disarm();
    const r = secondary.tryCatchUp();
    // The records replayed by the failed attempt count once, and now show.
    expect(r.seqno).toBe(primary.seqno);
    expect(secondary.get('late')).toBeUndefined();
    expect(secondary.get('a')).toBeUndefined();
    expect([...secondary.range()]).toEqual([]);
    expect(text(snap.get('a'))).toBe('1');
    snap.release();
    secondary.close();
    primary.close();
  });
});
