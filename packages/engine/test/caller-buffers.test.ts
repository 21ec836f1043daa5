// A caller's bytes are copied when the store keeps them: a Node Buffer the caller goes on
// reusing (a key buffer rewritten for every entry of a stream, a cipher key zeroed once the
// store is open) must not change what the store holds. Buffer.slice() is a view, not a
// copy; before 2026-12-04 several copies were made with it.

import { MemFs } from '@lsm/fs';
import { describe, expect, it } from 'vitest';
import { expectLsmError } from '@lsm/base/testing';
import { Tree } from '../src/index.js';

const text = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : Buffer.from(b).toString('latin1'));
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('caller buffers', () => {
  it('ingest() takes a stream that rewrites one key buffer for every entry', () => {
    const tree = Tree.open('/db', { fs: new MemFs(), backgroundThreads: 0 });
    function* sorted(order: number[]): Generator<[Uint8Array, string]> {
      const k = Buffer.alloc(4);
      for (const i of order) {
        k.writeUInt32BE(i);
        yield [k, `v${i}`];
      }
    }
    tree.ingest(sorted([1, 2, 3, 4]));
    expect([...tree.range()].map(([k, v]) => `${hex(k)}=${text(v)}`)).toEqual(['00000001=v1', '00000002=v2', '00000003=v3', '00000004=v4']);
    // Out of order through the same reused buffer: still refused, naming the right keys.
    expect(() => tree.ingest(sorted([6, 8, 7]))).toThrow('entry 2 (key 0x00000007) sorts before entry 1 (key 0x00000008)');
    expectLsmError(() => tree.ingest(sorted([9, 9])), 'LSM_INVALID_ARGUMENT');
    tree.close();
  });

  it('an encryption key zeroed by the caller after open still encrypts with the key it was', () => {
    const fs = new MemFs();
    const original = Buffer.alloc(32, 7);
    const key = Buffer.from(original);
    const tree = Tree.open('/db', { fs, encryption: { key }, backgroundThreads: 0 });
    key.fill(0); // what careful code does with a secret once it is handed over
    tree.put('k', 'v');
    tree.flush();
    tree.put('in the log', 'w');
    tree.close();
    const again = Tree.open('/db', { fs, encryption: { key: Buffer.from(original) }, backgroundThreads: 0 });
    expect(text(again.get('k'))).toBe('v');
    expect(text(again.get('in the log'))).toBe('w');
    expect(again.verify().ok).toBe(true);
    again.close();
  });

  it('a range deletion with long Buffer bounds the caller then rewrites keeps its bounds', () => {
    const tree = Tree.open('/db', { fs: new MemFs(), backgroundThreads: 0 });
    const long = (c: string): Buffer => Buffer.alloc(3000, c);
    for (const c of ['a', 'b', 'c', 'd']) tree.put(long(c), c);
    const start = long('b');
    const end = long('c');
    tree.deleteRange(start, end); // deletes only b...b
    start.fill('a');
    end.fill('z');
    expect([...tree.range()].map(([, v]) => text(v))).toEqual(['a', 'c', 'd']);
    tree.flush();
    expect([...tree.range()].map(([, v]) => text(v))).toEqual(['a', 'c', 'd']);
    tree.close();
  });

  it('an iterator keeps the bounds and the prefix it was opened with when the caller rewrites their buffers', () => {
    const tree = Tree.open('/db', { fs: new MemFs(), backgroundThreads: 0 });
    for (const k of ['a1', 'a2', 'b1', 'b2', 'c1', 'c2']) tree.put(k, k);
    const lower = Buffer.from('a2');
    const upper = Buffer.from('c1');
    const it = tree.range({ gte: lower, lt: upper });
    const first = it.next().value;
    lower.write('a0', 'latin1');
    upper.write('c9', 'latin1');
    const rest = [...it].map(([k]) => text(k));
    expect([text(first?.[0]), ...rest]).toEqual(['a2', 'b1', 'b2']);
    const p = Buffer.from('b');
    const pit = tree.prefix(p);
    p.write('c', 'latin1');
    expect([...pit].map(([k]) => text(k))).toEqual(['b1', 'b2']);
    const rev = Buffer.from('b2');
    const rit = tree.range({ lte: rev, reverse: true });
    rit.next();
    rev.write('a1', 'latin1');
    expect([...rit].map(([k]) => text(k))).toEqual(['b1', 'a2', 'a1']);
    tree.close();
  });
});
