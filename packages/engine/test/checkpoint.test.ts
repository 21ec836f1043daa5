// Checkpoints: a copy of the store as of the call that opens on its own. Unflushed writes
// are in it and later writes are not; it works with live iterators, snapshots and jobs in
// flight (the seeded scheduler), on encrypted and kv-separated stores, without a WAL, with
// links refused (copies instead), and on the real disk with hard links; bad targets are
// LSM_INVALID_ARGUMENT; an incomplete checkpoint is refused by Tree.open. Crashes during a
// checkpoint: checkpoint-crash.test.ts.

import { FaultFs, MemFs, NodeFs, readFile, writeFile } from '@lsm/fs';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JobScheduler, Leveled, Tree, type TreeOptions, appendWithSeparator } from '../src/index.js';
import { codeOf, hex } from './helpers.js';

const text = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : new TextDecoder().decode(b));
const key = (i: number): string => `key-${String(i).padStart(5, '0')}`;
const TINY: TreeOptions = {
  memtableBytes: 4096,
  blockSize: 256,
  mergeOperator: appendWithSeparator('+'),
  compaction: new Leveled({ l0CompactionTrigger: 2, levelBaseBytes: 16 * 1024, targetTableSize: 8 * 1024 }),
};

function contents(tree: Tree): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of tree.range()) out[text(k)!] = hex(v);
  return out;
}

/** Writes `n` keys (puts, some deletes, merges, a range deletion), flushing along the way with tiny memtables. */
function fill(tree: Tree, n: number, tag: string): void {
  for (let i = 0; i < n; i++) {
    const b = tree.batch().put(key(i), `${tag}-${i}`.repeat(1 + (i % 5)));
    if (i % 7 === 0) b.merge(key(i + 1), tag);
    if (i % 11 === 0) b.delete(key(i + 3));
    b.commit();
  }
  tree.deleteRange(key(5), key(9));
}

describe('Tree.checkpoint', () => {
  it('holds every acknowledged write, flushed or not, and nothing written after it', () => {
    const fs = new MemFs();
    const tree = Tree.open('/db', { fs, ...TINY });
    fill(tree, 400, 'a');
    tree.put('unflushed', 'in the memtable only');
    expect(tree.stats().tables).toBeGreaterThan(2);
    expect(tree.stats().activeMemtable.entries).toBeGreaterThan(0);
    const want = contents(tree);
    const result = tree.checkpoint('/cp');
    expect(result.seqno).toBe(tree.seqno);
    expect(result.tables).toBe(tree.stats().tables);
    expect(result.logs).toBeGreaterThan(0);
    expect(result.linked).toBe(result.tables + result.blobFiles); // MemFs links
    expect(fs.readDir('/cp')).not.toContain('CHECKPOINT-INCOMPLETE');
    // Writes after the call, a flush and a compaction of the source: none of it reaches the copy.
    tree.put('after', 'x');
    tree.delete(key(1));
    fill(tree, 100, 'b');
    tree.compact();
    const copy = Tree.open('/cp', { fs, ...TINY });
    expect(copy.seqno).toBe(result.seqno);
    expect(contents(copy)).toEqual(want);
    expect(text(copy.get('unflushed'))).toBe('in the memtable only');
    expect(copy.get('after')).toBeUndefined();
    // Independent: writing to the copy changes nothing in the source and the other way round.
    copy.put('only-in-copy', '1');
    copy.compact();
    expect(tree.get('only-in-copy')).toBeUndefined();
    tree.close();
    copy.close();
    const reopened = Tree.open('/cp', { fs, ...TINY });
    expect(text(reopened.get('only-in-copy'))).toBe('1');
    expect(reopened.get('after')).toBeUndefined();
    reopened.close();
  });

  it('works while an iterator and a snapshot are open, and leaves them as they were', () => {
    const fs = new MemFs();
    const tree = Tree.open('/db', { fs, ...TINY });
    fill(tree, 200, 'a');
    const snap = tree.snapshot();
    const atSnap = [...snap.range()].map(([k, v]) => `${text(k)}=${hex(v)}`);
    const it = tree.range();
    const first = it.next();
    fill(tree, 200, 'b'); // overwrites, flushes and compactions while both are open
    const want = contents(tree);
    tree.checkpoint('/cp');
    const rest = [...it].map(([k, v]) => `${text(k)}=${hex(v)}`);
    expect([`${text(first.value![0])}=${hex(first.value![1])}`, ...rest]).toEqual(atSnap);
    expect([...snap.range()].map(([k, v]) => `${text(k)}=${hex(v)}`)).toEqual(atSnap);
    snap.release();
    tree.close();
    const copy = Tree.open('/cp', { fs, ...TINY });
    expect(contents(copy)).toEqual(want);
    copy.close();
  });

  it('works with flushes and compactions in flight (seeded scheduler), for several seeds', () => {
    let inFlight = 0;
    for (const seed of [1, 2, 3, 4, 5]) {
      const fs = new MemFs();
      const tree = Tree.open('/db', { fs, ...TINY, jobScheduler: new JobScheduler(seed, 0.03, 0.03) });
      for (let round = 0; round < 6; round++) {
        fill(tree, 40 + 37 * round, `r${round}`);
        const st = tree.stats();
        if (st.jobs.running > 0 || st.sealedMemtables > 0) inFlight++;
        const want = contents(tree);
        const seqno = tree.seqno;
        const r = tree.checkpoint(`/cp${round}`);
        expect(r.seqno).toBe(seqno);
        const copy = Tree.open(`/cp${round}`, { fs, ...TINY });
        expect(copy.seqno, `seed ${seed}, round ${round}`).toBe(seqno);
        expect(contents(copy), `seed ${seed}, round ${round}`).toEqual(want);
        copy.close();
      }
      tree.close();
    }
    expect(inFlight, 'jobs in flight (or sealed memtables waiting) at checkpoints').toBeGreaterThan(10);
  });

  it('keeps an encrypted store encrypted, with its blob files', () => {
    const fs = new MemFs();
    const key32 = new Uint8Array(32).fill(7);
    const opts: TreeOptions = { fs, ...TINY, encryption: { key: key32 }, kvSeparation: { minValueSize: 64, blobFileBytes: 4096 } };
    const tree = Tree.open('/db', opts);
    for (let i = 0; i < 300; i++) tree.put(key(i), `SECRET-VALUE-${i}-`.repeat(i % 2 === 0 ? 8 : 1));
    tree.put('SECRET-KEY-unflushed', 'SECRET-VALUE-unflushed');
    const want = contents(tree);
    const r = tree.checkpoint('/cp');
    expect(r.blobFiles).toBeGreaterThan(0);
    tree.close();
    for (const name of fs.readDir('/cp')) {
      if (name === 'CURRENT') continue;
      const data = Buffer.from(readFile(fs, `/cp/${name}`));
      expect(data.indexOf('SECRET'), `${name} holds plaintext`).toBe(-1);
    }
    expect(codeOf(() => Tree.open('/cp', { fs, ...TINY }))).toBe('LSM_INVALID_ARGUMENT');
    expect(codeOf(() => Tree.open('/cp', { ...opts, encryption: { key: new Uint8Array(32).fill(8) } }))).toBe('LSM_CORRUPTION');
    const copy = Tree.open('/cp', opts);
    expect(contents(copy)).toEqual(want);
    copy.compact(); // reads every blob value and table
    expect(contents(copy)).toEqual(want);
    copy.close();
  });

  it('flushes first without a write-ahead log', () => {
    const fs = new MemFs();
    const tree = Tree.open('/db', { fs, ...TINY, wal: false });
    fill(tree, 150, 'a');
    tree.put('last', 'in the memtable');
    const want = contents(tree);
    const r = tree.checkpoint('/cp');
    expect(r.logs).toBe(0);
    expect(tree.stats().activeMemtable.entries).toBe(0);
    tree.close();
    const copy = Tree.open('/cp', { fs, ...TINY, wal: false });
    expect(contents(copy)).toEqual(want);
    copy.close();
  });

  it('copies what the Fs will not link', () => {
    const mem = new MemFs();
    const fs = new FaultFs(mem);
    fs.addRule({ op: 'hardLink', times: Infinity, fault: { type: 'error', code: 'EXDEV' } });
    const tree = Tree.open('/db', { fs, ...TINY });
    fill(tree, 300, 'a');
    const want = contents(tree);
    const r = tree.checkpoint('/cp');
    expect(r.linked).toBe(0);
    expect(r.bytesCopied).toBeGreaterThan(tree.stats().levels.reduce((s, l) => s + l.bytes, 0));
    tree.compact(); // deletes the source's tables: the copies are files of their own
    tree.close();
    const copy = Tree.open('/cp', { fs: mem, ...TINY });
    expect(contents(copy)).toEqual(want);
    copy.close();
  });

  it('refuses a directory that is not empty, a file, a bad path and a closed store, and reports Fs failures as LSM_IO', () => {
    const fs = new FaultFs(new MemFs());
    const tree = Tree.open('/db', { fs, ...TINY });
    tree.put('a', '1');
    fs.createDirAll('/full');
    writeFile(fs, '/full/x', new Uint8Array(1));
    writeFile(fs, '/file', new Uint8Array(1));
    expect(codeOf(() => tree.checkpoint('/full'))).toBe('LSM_INVALID_ARGUMENT');
    expect(codeOf(() => tree.checkpoint('/file'))).toBe('LSM_INVALID_ARGUMENT');
    expect(codeOf(() => tree.checkpoint('/db'))).toBe('LSM_INVALID_ARGUMENT');
    expect(codeOf(() => tree.checkpoint(''))).toBe('LSM_INVALID_ARGUMENT');
    expect(codeOf(() => tree.checkpoint(42 as unknown as string))).toBe('LSM_INVALID_ARGUMENT');
    // An empty directory is fine.
    fs.createDirAll('/empty/');
    tree.checkpoint('/empty/');
    expect(fs.readDir('/empty')).toContain('CURRENT');
    // A failure halfway: LSM_IO, and what was written is removed (the directory it created too).
    fs.addRule({ op: 'write', path: '/cp-failed/', after: 1, fault: { type: 'error', code: 'EIO' } });
    expect(codeOf(() => tree.checkpoint('/cp-failed'))).toBe('LSM_IO');
    expect(fs.exists('/cp-failed')).toBe(false);
    tree.checkpoint('/cp-failed'); // and it can be taken again
    tree.close();
    expect(codeOf(() => tree.checkpoint('/cp2'))).toBe('LSM_CLOSED');
  });

  it('a directory holding the incomplete-checkpoint marker does not open (LSM_CORRUPTION)', () => {
    const fs = new MemFs();
    const tree = Tree.open('/db', { fs, ...TINY });
    fill(tree, 100, 'a');
    tree.checkpoint('/cp');
    tree.close();
    writeFile(fs, '/cp/CHECKPOINT-INCOMPLETE', new Uint8Array(0));
    expect(codeOf(() => Tree.open('/cp', { fs, ...TINY }))).toBe('LSM_CORRUPTION');
    fs.removeFile('/cp/CHECKPOINT-INCOMPLETE');
    const copy = Tree.open('/cp', { fs, ...TINY });
    expect(text(copy.get(key(20)))).toBe('a-20');
    copy.close();
  });

  it('hard-links tables on the real disk, and the copy outlives the source files', () => {
    const root = mkdtempSync(join(tmpdir(), 'lsm-checkpoint-'));
    try {
      const fs = new NodeFs({ root });
      const opts: TreeOptions = { fs, ...TINY };
      const tree = Tree.open(join(root, 'db'), opts);
      fill(tree, 300, 'a');
      tree.put('unflushed', 'yes');
      const want = contents(tree);
      const r = tree.checkpoint(join(root, 'cp'));
      expect(r.linked).toBeGreaterThan(0);
      const sst = fs.readDir(join(root, 'cp')).filter((n) => n.endsWith('.sst'));
      expect(sst.length).toBe(r.tables);
      for (const name of sst) expect(statSync(join(root, 'cp', name)).nlink).toBe(2);
      tree.compact(); // replaces every source table
      tree.close();
      for (const name of sst) expect(statSync(join(root, 'cp', name)).nlink).toBe(1);
      const copy = Tree.open(join(root, 'cp'), opts);
      expect(contents(copy)).toEqual(want);
      copy.close();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
