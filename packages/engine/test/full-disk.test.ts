// A full disk (issue #24, part 3): ENOSPC is LSM_NO_SPACE; a flush that meets it stops
// background work at once and writes are refused with that code; when space returns the
// store resumes (tree.resume() at once, or by itself on a write a second later) with
// nothing acknowledged lost; close() on a full disk closes and says where the data is; a
// normal open on a full disk fails naming readOnly: true and leaves the directory as it
// was, while a read-only open works.

import { FaultFs, type Fs, MemFs } from '@lsm/fs';
import { describe, expect, it } from 'vitest';
import { expectLsmError } from '@lsm/base/testing';
import { Tree, type TreeOptions } from '../src/index.js';
import { NO_SPACE_RETRY_MS } from '../src/jobs/background.js';

const text = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : new TextDecoder().decode(b));
const key = (i: number): string => `k${String(i).padStart(5, '0')}`;
const options = (fs: Fs): TreeOptions => ({ fs, memtableBytes: 8 * 1024, autoCompaction: false });

/** Every write to a file fails with ENOSPC until `free()`. */
function fillDisk(fs: FaultFs): { free(): void } {
  const rules = [fs.addRule({ op: 'write', times: Infinity, fault: { type: 'error', code: 'ENOSPC' } })];
  return { free: () => rules.forEach((r) => r.disarm()) };
}

function contents(tree: Tree): string[] {
  return [...tree.range()].map(([k, v]) => `${text(k)}=${text(v)}`);
}

function listing(fs: Fs): string[] {
  return fs
    .readDir('/db')
    .map((n) => `${n}:${fs.metadata(`/db/${n}`).size}`)
    .sort();
}

const sleep = (ms: number): void => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
};

describe('a full disk', () => {
  it('fails a write with LSM_NO_SPACE, keeps reads going, and takes writes again once space returns', () => {
    const fs = new FaultFs(new MemFs());
    const tree = Tree.open('/db', options(fs));
    const acked = new Map<string, string>();
    for (let i = 0; i < 50; i++) {
      tree.put(key(i), `v${i}`);
      acked.set(key(i), `v${i}`);
    }
    const disk = fillDisk(fs);
    const err = expectLsmError(() => tree.put('x', 'y'), 'LSM_NO_SPACE');
    expect(err.name).toBe('NoSpaceError');
    expectLsmError(() => tree.put('x', 'y'), 'LSM_NO_SPACE');
    expect(text(tree.get(key(7)))).toBe('v7');
    disk.free();
    tree.put(key(1000), 'after');
    acked.set(key(1000), 'after');
    tree.close();
    const again = Tree.open('/db', options(fs));
    for (const [k, v] of acked) expect(text(again.get(k)), k).toBe(v);
    again.close();
  });

  it('a flush that meets it stops background work at once; resume() retries when space is back', () => {
    const fs = new FaultFs(new MemFs());
    const tree = Tree.open('/db', options(fs));
    const acked: string[] = [];
    // The log takes the writes; only tables meet the full disk.
    const rule = fs.addRule({ op: 'write', path: '.sst', times: Infinity, fault: { type: 'error', code: 'ENOSPC' } });
    for (let i = 0; i < 100; i++) {
      tree.put(key(i), `v${i}`);
      acked.push(`${key(i)}=v${i}`);
    }
    expectLsmError(() => tree.flush(), 'LSM_NO_SPACE');
    expect(tree.stats().jobs.backgroundError).toMatch(/space/);
    // Refused while full, with the same code; reads go on.
    expectLsmError(() => tree.put('x', 'y'), 'LSM_NO_SPACE');
    expectLsmError(() => tree.resume(), 'LSM_NO_SPACE');
    expect(contents(tree)).toEqual(acked);
    rule.disarm();
    tree.resume();
    expect(tree.stats().jobs.backgroundError).toBeUndefined();
    expect(tree.stats().tables).toBeGreaterThan(0);
    tree.put(key(500), 'after');
    acked.push(`${key(500)}=after`);
    expect(contents(tree)).toEqual(acked);
    tree.close();
    const again = Tree.open('/db', options(fs));
    expect(contents(again)).toEqual(acked);
    again.close();
  });

  it('resumes by itself: a write a second after the failure runs the failed flush again', () => {
    const fs = new FaultFs(new MemFs());
    const tree = Tree.open('/db', options(fs));
    const rule = fs.addRule({ op: 'write', path: '.sst', times: Infinity, fault: { type: 'error', code: 'ENOSPC' } });
    tree.put('a', '1');
    expectLsmError(() => tree.flush(), 'LSM_NO_SPACE');
    expectLsmError(() => tree.put('b', '2'), 'LSM_NO_SPACE');
    rule.disarm();
    // Still refused until the retry interval has passed...
    expectLsmError(() => tree.put('b', '2'), 'LSM_NO_SPACE');
    sleep(NO_SPACE_RETRY_MS + 50);
    // ...then the write goes through and the failed flush runs again.
    tree.put('b', '2');
    tree.flush();
    expect(tree.stats().jobs.backgroundError).toBeUndefined();
    expect(contents(tree)).toEqual(['a=1', 'b=2']);
    tree.close();
  });

  it('an idle store retries by itself from the event loop once the retry interval has passed', async () => {
    const fs = new FaultFs(new MemFs());
    const tree = Tree.open('/db', options(fs));
    const rule = fs.addRule({ op: 'write', path: '.sst', times: Infinity, fault: { type: 'error', code: 'ENOSPC' } });
    tree.put('a', '1');
    expectLsmError(() => tree.flush(), 'LSM_NO_SPACE');
    rule.disarm();
    // No call into the store: only the event loop runs.
    await new Promise((r) => setTimeout(r, NO_SPACE_RETRY_MS + 200));
    expect(tree.stats().jobs.backgroundError).toBeUndefined();
    expect(tree.stats().tables).toBe(1);
    tree.put('b', '2');
    expect(contents(tree)).toEqual(['a=1', 'b=2']);
    tree.close();
  });

  it('close() on a full disk closes the store and says the logs hold the writes; nothing is lost', () => {
    const fs = new FaultFs(new MemFs());
    const tree = Tree.open('/db', options(fs));
    for (let i = 0; i < 30; i++) tree.put(key(i), `v${i}`);
    const disk = fillDisk(fs);
    expectLsmError(() => tree.put('x', 'y'), 'LSM_NO_SPACE'); // the log breaks: close must flush
    const err = expectLsmError(() => tree.close(), 'LSM_NO_SPACE');
    expect(err.message).toMatch(/closed.*logs/);
    expect(tree.isClosed).toBe(true);
    disk.free();
    const again = Tree.open('/db', options(fs));
    for (let i = 0; i < 30; i++) expect(text(again.get(key(i))), key(i)).toBe(`v${i}`);
    again.close();
  });

  it('a normal open fails naming readOnly: true and leaves the directory as it was; a read-only open works', () => {
    const fs = new FaultFs(new MemFs());
    const tree = Tree.open('/db', options(fs));
    for (let i = 0; i < 300; i++) tree.put(key(i), `v${i}`);
    tree.flush();
    for (let i = 300; i < 320; i++) tree.put(key(i), `v${i}`); // in the log only
    tree.close();
    const before = listing(fs);
    const disk = fillDisk(fs);
    const err = expectLsmError(() => Tree.open('/db', options(fs)), 'LSM_NO_SPACE');
    expect(err.message).toContain('readOnly: true');
    expect(listing(fs)).toEqual(before);
    const reader = Tree.open('/db', { ...options(fs), readOnly: true });
    expect(text(reader.get(key(310)))).toBe('v310');
    expect(contents(reader)).toHaveLength(320);
    reader.close();
    disk.free();
    const again = Tree.open('/db', options(fs));
    expect(contents(again)).toHaveLength(320);
    again.close();
  });
});
