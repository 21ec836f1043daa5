// Focused tests of LsmLevel beyond abstract-level's suite: persistence across reopen,
// explicit and implicit snapshots held across flushes and compactions, seek over the
// iterator's own snapshot, clear() with ranges, limits, reverse and snapshots, binary
// keys and encodings, engine options, and the error mapping (LEVEL_* codes with the
// engine's LSM_* error as cause; bad input as LSM_INVALID_ARGUMENT).

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MemFs } from '@lsm/fs';
import { afterAll, describe, expect, it } from 'vitest';
import { LevelError, LsmLevel, type LsmLevelOptions } from '../src/index.js';
import { CLEAR_BATCH } from '../src/clear-range.js';
import { collect, rejection, tempDirs } from './helpers.js';

const dirs = tempDirs('lsm-level-');
afterAll(() => dirs.cleanup());

async function openDb(options?: LsmLevelOptions, dir = dirs.make()): Promise<LsmLevel> {
  const db = new LsmLevel<string, string>(dir, dirs.confine(options));
  await db.open();
  return db;
}

async function fill(db: LsmLevel, keys: string[]): Promise<void> {
  await db.batch(keys.map((k) => ({ type: 'put' as const, key: k, value: `v${k}` })));
}

describe('persistence', () => {
  it('keeps writes across close and reopen, including after flush and compaction', async () => {
    const dir = dirs.make();
    let db = await openDb(undefined, dir);
    await db.put('a', '1');
    await db.batch().put('b', '2').put('c', '3').del('a').write();
    db.engine.flush();
    await db.put('d', '4', { sync: true } as never);
    await db.close();
    db = await openDb(undefined, dir);
    expect(await collect(db.iterator())).toEqual([
      ['b', '2'],
      ['c', '3'],
      ['d', '4'],
    ]);
    db.engine.compact();
    await db.close();
    // The same instance reopens (abstract-level allows open after close).
    await db.open();
    expect(await db.getMany(['a', 'b', 'd'])).toEqual([undefined, '2', '4']);
    expect(db.getSync('c')).toBe('3');
    await db.close();
  });

  it('declares permanence only on the real disk, and runs on MemFs through engine options', async () => {
    const fs = new MemFs();
    const db = new LsmLevel('/mem/db', { engine: { fs, memtableBytes: 64 * 1024 } });
    expect(db.supports.permanence).toBe(false);
    expect(new LsmLevel(dirs.make(), dirs.confine()).supports.permanence).toBe(true);
    await db.put('k', 'v');
    await db.close();
    expect(fs.exists('/mem/db')).toBe(true);
    await db.open();
    expect(await db.get('k')).toBe('v');
    await db.close();
  });

  it('fills the supports manifest truthfully', async () => {
    const db = new LsmLevel(dirs.make(), dirs.confine());
    const s = db.supports;
    expect(s.implicitSnapshots && s.explicitSnapshots && s.has && s.seek && s.createIfMissing && s.errorIfExists).toBe(true);
    expect((s as unknown as { getSync: boolean }).getSync).toBe(true);
    expect(s.encodings.buffer && s.encodings.view && s.encodings.utf8 && s.encodings.json).toBe(true);
    expect(s.signals.iterators).toBe(false);
    await db.close();
  });
});

describe('encodings and binary keys', () => {
  it('orders binary keys bytewise and round-trips buffer, view, utf8 and json', async () => {
    const db = await openDb({ keyEncoding: 'view', valueEncoding: 'json' } as never);
    const keys = [Uint8Array.of(0xff), Uint8Array.of(0), Uint8Array.of(0x7f, 0xff), Uint8Array.of(0x80), new Uint8Array(0)];
    for (const [i, k] of keys.entries()) await db.put(k as never, { i } as never);
    const got = await db.keys().all();
    expect(got.map((k) => Array.from(k as unknown as Uint8Array))).toEqual([[], [0], [0x7f, 0xff], [0x80], [0xff]]);
    expect(await db.get(Uint8Array.of(0x80) as never)).toEqual({ i: 3 });
    const asBuffer = await db.get(Uint8Array.of(0x80) as never, { valueEncoding: 'buffer' });
    expect(Buffer.isBuffer(asBuffer)).toBe(true);
    expect((asBuffer as unknown as Buffer).toString()).toBe('{"i":3}');
    const asView = await db.get(Uint8Array.of(0x80) as never, { valueEncoding: 'view' });
    expect((asView as unknown) instanceof Uint8Array && !Buffer.isBuffer(asView)).toBe(true);
    expect(await db.get(Uint8Array.of(0x80) as never, { valueEncoding: 'utf8' })).toBe('{"i":3}');
    await db.close();
  });

  it('round-trips non-ASCII strings, a leading byte-order mark and long multibyte values', async () => {
    const db = await openDb();
    const samples = ['\uFEFFbom', 'héllo wörld', '😀 emoji', '日本語'.repeat(5000), ''];
    for (const [i, s] of samples.entries()) await db.put(`${s.slice(0, 20)}#${i}`, s);
    for (const [i, s] of samples.entries()) {
      expect(await db.get(`${s.slice(0, 20)}#${i}`)).toBe(s);
      expect(db.getSync(`${s.slice(0, 20)}#${i}`)).toBe(s);
    }
    expect((await db.keys().all()).map((k) => k.split('#')[1]).sort()).toEqual(['0', '1', '2', '3', '4']);
    expect(await db.values({ gte: '\uFEFF', lt: '\uFF00' }).all()).toEqual(['\uFEFFbom']);
    await db.close();
  });
});

describe('snapshots', () => {
  it('explicit snapshots see the store as of their creation through flush and compaction, and are released on close', async () => {
    const db = await openDb({ engine: { memtableBytes: 16 * 1024 } });
    await fill(db, ['a', 'b', 'c']);
    const snap = db.snapshot();
    await db.put('a', 'new');
    await db.del('b');
    await db.put('d', 'added');
    for (let i = 0; i < 500; i++) await db.put(`z${i}`, 'x'.repeat(64)); // several flushes
    db.engine.compact();
    expect(await db.get('a', { snapshot: snap })).toBe('va');
    expect(await db.getMany(['a', 'b', 'd'], { snapshot: snap })).toEqual(['va', 'vb', undefined]);
    expect(await db.has('b', { snapshot: snap })).toBe(true);
    expect(await db.hasMany(['b', 'd'], { snapshot: snap })).toEqual([true, false]);
    expect(db.getSync('b', { snapshot: snap })).toBe('vb');
    expect(await db.keys({ snapshot: snap }).all()).toEqual(['a', 'b', 'c']);
    expect(await db.get('a')).toBe('new');
    expect(db.engine.stats().snapshots).toBe(1);
    await snap.close();
    expect(db.engine.stats().snapshots).toBe(0);
    expect((await rejection(db.get('a', { snapshot: snap }))).code).toBe('LEVEL_SNAPSHOT_NOT_OPEN');
    const open = db.snapshot();
    expect(db.engine.stats().snapshots).toBe(1);
    await db.close(); // closes the snapshot too
    await db.open();
    expect(db.engine.stats().snapshots).toBe(0);
    expect((await rejection(db.get('a', { snapshot: open }))).code).toBe('LEVEL_SNAPSHOT_NOT_OPEN');
    await db.close();
  });

  it('an iterator reads its implicit snapshot, also after seek() and a compaction in between', async () => {
    const db = await openDb({ engine: { memtableBytes: 16 * 1024 } });
    await fill(db, ['a', 'b', 'c', 'd']);
    const it = db.iterator();
    expect(await it.next()).toEqual(['a', 'va']);
    await db.del('b');
    await db.put('c', 'changed');
    await db.put('bb', 'inserted');
    db.engine.compact();
    expect(await it.next()).toEqual(['b', 'vb']);
    it.seek('a');
    expect(await it.all()).toEqual([
      ['a', 'va'],
      ['b', 'vb'],
      ['c', 'vc'],
      ['d', 'vd'],
    ]);
    expect(db.engine.stats().snapshots).toBe(0); // all() closed the iterator and its snapshot
    await db.close();
  });

  it('refuses a snapshot of another database', async () => {
    const a = await openDb();
    const b = await openDb();
    const snap = a.snapshot();
    const err = await rejection(b.get('x', { snapshot: snap }));
    expect(err.code).toBe('LSM_INVALID_ARGUMENT');
    expect(err.message).toMatch(/snapshot of this database/);
    await snap.close();
    await a.close();
    await b.close();
  });
});

describe('signals and sync writes', () => {
  it('an aborted signal rejects the next read with LEVEL_ABORTED (signals.iterators is false: nothing runs between reads)', async () => {
    const db = await openDb();
    await fill(db, ['a', 'b', 'c']);
    const ac = new AbortController();
    const it = db.keys({ signal: ac.signal });
    expect(await it.next()).toBe('a');
    ac.abort();
    const err = await rejection(it.next());
    expect(err.code).toBe('LEVEL_ABORTED');
    await it.close();
    await db.close();
  });

  it('put, del, batch and chained write accept { sync: true } and make the write durable', async () => {
    const db = await openDb();
    const before = db.engine.stats().walSyncs;
    await db.put('a', '1', { sync: true } as never);
    await db.del('a', { sync: true } as never);
    await db.batch([{ type: 'put', key: 'b', value: '2' }], { sync: true } as never);
    await db.batch().put('c', '3').write({ sync: true } as never);
    expect(db.engine.stats().walSyncs - before).toBe(4);
    await db.close();
  });
});

describe('seek', () => {
  it('seeks forward and backward, in both directions, within the range and the limit', async () => {
    const db = await openDb();
    await fill(db, ['1', '2', '3', '4', '5', '6', '7', '8']);
    const it = db.keys({ gt: '2', lte: '7' });
    it.seek('5');
    expect(await it.next()).toBe('5');
    it.seek('1'); // below the range: the iterator ends
    expect(await it.next()).toBeUndefined();
    it.seek('3');
    expect(await it.nextv(10)).toEqual(['3', '4', '5', '6', '7']);
    it.seek('9'); // above the range
    expect(await it.next()).toBeUndefined();
    await it.close();

    const rev = db.keys({ reverse: true, gte: '2', limit: 4 });
    rev.seek('5');
    expect(await rev.next()).toBe('5');
    rev.seek('8');
    expect(await rev.all()).toEqual(['8', '7', '6']); // 4 in total: the limit counts across seeks
    const between = db.values({ reverse: true });
    between.seek('4.5'); // between keys: the closest key <= target
    expect(await between.next()).toBe('v4');
    await between.close();
    await db.close();
  });
});

describe('clear', () => {
  const keys = ['a', 'b', 'c', 'd', 'e', 'f'];
  const cases: [string, object, string[]][] = [
    ['everything', {}, []],
    ['gte/lt', { gte: 'b', lt: 'e' }, ['a', 'e', 'f']],
    ['gt/lte', { gt: 'b', lte: 'e' }, ['a', 'b', 'f']],
    ['gte wins over gt', { gte: 'b', gt: 'd' }, ['a']],
    ['limit', { limit: 2 }, ['c', 'd', 'e', 'f']],
    ['reverse with limit', { reverse: true, limit: 2 }, ['a', 'b', 'c', 'd']],
    ['range, reverse and limit', { lt: 'e', reverse: true, limit: 2 }, ['a', 'b', 'e', 'f']],
    ['empty range', { gt: 'x' }, keys],
  ];
  for (const [name, options, left] of cases) {
    it(`clears ${name}`, async () => {
      const db = await openDb();
      await fill(db, keys);
      await db.clear(options);
      expect(await db.keys().all()).toEqual(left);
      await db.close();
    });
  }

  it('clears more keys than one engine batch, and the deletions persist', async () => {
    const dir = dirs.make();
    const db = await openDb({ engine: { memtableBytes: 64 * 1024 } }, dir);
    const n = CLEAR_BATCH * 2 + 17;
    await fill(db, Array.from({ length: n }, (_, i) => `k${String(i).padStart(5, '0')}`));
    await db.put('z', 'kept');
    await db.clear({ lt: 'z' });
    expect(await db.keys().all()).toEqual(['z']);
    await db.close();
    await db.open();
    expect(await db.keys().all()).toEqual(['z']);
    await db.close();
  });

  it('clear({ snapshot }) deletes the keys the snapshot saw, not keys written since', async () => {
    const db = await openDb();
    await fill(db, ['a', 'b']);
    const snap = db.snapshot();
    await db.put('c', 'later');
    await db.clear({ snapshot: snap } as never);
    expect(await db.keys().all()).toEqual(['c']);
    await snap.close();
    await db.close();
  });
});

describe('errors', () => {
  it('a second open of the same directory fails with LEVEL_LOCKED (engine LSM_LOCKED as cause)', async () => {
    const dir = dirs.make();
    const a = await openDb(undefined, dir);
    const err = await rejection(new LsmLevel(dir, dirs.confine()).open());
    expect(err.code).toBe('LEVEL_DATABASE_NOT_OPEN');
    expect(err.cause?.code).toBe('LEVEL_LOCKED');
    expect(err.cause).toBeInstanceOf(LevelError);
    expect((err.cause?.cause as { code?: string }).code).toBe('LSM_LOCKED');
    await a.close();
  });

  it('createIfMissing: false on a missing store says it does not exist', async () => {
    const dir = dirs.make();
    const err = await rejection(new LsmLevel(dir, dirs.confine({ createIfMissing: false })).open());
    expect(err.code).toBe('LEVEL_DATABASE_NOT_OPEN');
    expect(err.cause?.code).toBe('LSM_INVALID_ARGUMENT');
    expect(err.cause?.message).toMatch(/does not exist/);
    expect(err.cause?.message).toContain(dir);
  });

  it('damaged table bytes are LEVEL_CORRUPTION with the engine CorruptionError as cause, never a wrong value', async () => {
    const dir = dirs.make();
    const db = await openDb({ engine: { blockCacheBytes: 0 } }, dir);
    await fill(db, Array.from({ length: 200 }, (_, i) => `key${i}`));
    db.engine.flush();
    await db.close();
    const table = readdirSync(dir).find((n) => n.endsWith('.sst'));
    expect(table).toBeDefined();
    const path = join(dir, table!);
    const bytes = readFileSync(path);
    for (let i = 100; i < 300; i++) bytes[i] = bytes[i]! ^ 0x5a; // inside the first data block
    writeFileSync(path, bytes);
    await db.open();
    const err = await rejection(db.iterator().all());
    expect(err.code).toBe('LEVEL_CORRUPTION');
    expect((err.cause as { code?: string }).code).toBe('LSM_CORRUPTION');
    expect(err.message).toContain(table!);
    await db.close();
  });

  it('rejects bad input with typed errors that name it', async () => {
    expect(() => new LsmLevel('')).toThrow(expect.objectContaining({ code: 'LSM_INVALID_ARGUMENT' }));
    expect(() => new LsmLevel(42 as never)).toThrow(/location must be a non-empty string/);
    expect(() => new LsmLevel(dirs.make(), dirs.confine({ engine: { comparator: { name: 'rev', compare: (a: Uint8Array, b: Uint8Array) => Buffer.compare(b, a) } } as never }))).toThrow(
      expect.objectContaining({ code: 'LSM_NOT_SUPPORTED' }),
    );
    const bad = new LsmLevel(dirs.make(), dirs.confine({ engine: { memtableBytes: -1 } }));
    const openErr = await rejection(bad.open());
    expect(openErr.cause?.code).toBe('LSM_INVALID_ARGUMENT');
    expect(openErr.cause?.message).toMatch(/memtableBytes/);
    const db = await openDb();
    const tooLong = await rejection(db.put('k'.repeat(70_000), 'v'));
    expect(tooLong.code).toBe('LSM_INVALID_ARGUMENT');
    expect(tooLong.message).toMatch(/key is 70000 bytes/);
    const syncErr = await rejection(db.put('k', 'v', { sync: 'yes' } as never));
    expect(syncErr.code).toBe('LSM_INVALID_ARGUMENT');
    expect((await rejection(db.get(null as never))).code).toBe('LEVEL_INVALID_KEY');
    await db.close();
    expect((await rejection(db.get('k'))).code).toBe('LEVEL_DATABASE_NOT_OPEN');
    expect(() => db.engine).toThrow(expect.objectContaining({ code: 'LEVEL_DATABASE_NOT_OPEN' }));
  });
});
