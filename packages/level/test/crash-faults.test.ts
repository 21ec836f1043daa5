// Storage failure tests through the adapter. Crash: random LsmLevel writes (put and del,
// some with { sync: true }, array and chained batches, clear() over ranges, a clear
// larger than one engine batch) on CrashFs, power cut between operations or by a
// FaultFs kill in the middle of one; after reopening, the store must hold exactly the
// state after some prefix of the operations (clear() counted per engine batch), at least
// up to the last acknowledged sync write. Faults: a failing write surfaces as
// LEVEL_IO_ERROR with the engine's LSM_IO as cause, and the database keeps working.

import { CrashFs } from '@lsm/crashfs';
import { FaultFs, MemFs } from '@lsm/fs';
import { describe, expect, it } from 'vitest';
import { LsmLevel } from '../src/index.js';
import { CLEAR_BATCH } from '../src/clear-range.js';
import { Rng, rejection } from './helpers.js';

type State = Map<string, string>;

const render = (s: State): string => [...s.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${k}=${v}`).join(',');

async function contents(db: LsmLevel): Promise<string> {
  return (await db.iterator().all()).map(([k, v]) => `${k}=${v}`).join(',');
}

const engineOptions = (fs: FaultFs) => ({ fs, memtableBytes: 8 * 1024, blockSize: 512 });

async function crashRounds(seed: number, rounds: number): Promise<number> {
  const rng = new Rng(seed);
  const crashFs = new CrashFs(new MemFs(), { seed, tornWrites: true, directorySync: true });
  let faultFs = new FaultFs(crashFs);
  let db = new LsmLevel('/db', { engine: engineOptions(faultFs) });
  await db.open();
  let state: State = new Map();
  let kills = 0;
  const key = (): string => `k${String(rng.int(60)).padStart(2, '0')}`;
  for (let round = 0; round < rounds; round++) {
    const where = (what: string) => `seed ${seed}, round ${round}: ${what}`;
    // Every state the store may legally come back in, oldest first; [0] is durable.
    const states: string[] = [render(state)];
    let durableIndex = 0;
    const rule = rng.chance(0.5) ? faultFs.addRule({ op: rng.chance(0.5) ? 'write' : 'sync', after: rng.int(40), fault: { type: 'error', code: 'EIO' } }) : undefined;
    try {
      for (let i = 0; i < 40; i++) {
        const r = rng.int(100);
        if (r < 45) {
          const k = key();
          const v = `v${round}.${i}`;
          const sync = rng.chance(0.15);
          state.set(k, v);
          // Pushed before the call: a write whose call failed may still be on disk.
          states.push(render(state));
          await db.put(k, v, { sync } as never);
          if (sync) durableIndex = states.length - 1;
        } else if (r < 60) {
          const k = key();
          state.delete(k);
          states.push(render(state));
          await db.del(k);
        } else if (r < 80) {
          const ops = Array.from({ length: 1 + rng.int(8) }, () => ({ type: 'put' as const, key: key(), value: `b${round}.${i}` }));
          for (const o of ops) state.set(o.key, o.value);
          states.push(render(state));
          if (rng.chance(0.5)) await db.batch(ops);
          else {
            const b = db.batch();
            for (const o of ops) b.put(o.key, o.value);
            await b.write();
          }
        } else if (r < 95) {
          const lo = key();
          const hi = key();
          for (const k of [...state.keys()]) if (k >= lo && k < hi) state.delete(k);
          states.push(render(state));
          await db.clear({ gte: lo, lt: hi });
        } else {
          // A clear bigger than one engine batch: each batch of deletions is atomic,
          // the whole clear is not.
          const ops = Array.from({ length: CLEAR_BATCH + 300 }, (_, j) => ({ type: 'put' as const, key: `m${String(j).padStart(5, '0')}`, value: 'x' }));
          for (const o of ops) state.set(o.key, o.value);
          states.push(render(state));
          await db.batch(ops);
          const doomed = [...state.keys()].filter((k) => k.startsWith('m')).sort();
          for (let j = 0; j < doomed.length; j += CLEAR_BATCH) {
            for (const k of doomed.slice(j, j + CLEAR_BATCH)) state.delete(k);
            states.push(render(state));
          }
          await db.clear({ gte: 'm', lt: 'n' });
        }
      }
    } catch (err) {
      if (rule === undefined || rule.fired === 0) throw err;
      kills++;
      // The operation that met the kill may or may not have been applied: every state it
      // could leave was pushed before the call, so nothing to add.
    }
    crashFs.crash();
    faultFs = new FaultFs(crashFs);
    db = new LsmLevel('/db', { engine: engineOptions(faultFs) });
    await db.open();
    const got = await contents(db);
    const at = states.lastIndexOf(got);
    expect(at, where(`recovered contents are no prefix state: ${got.slice(0, 200)}`)).toBeGreaterThanOrEqual(0);
    expect(at, where('an acknowledged sync write was lost')).toBeGreaterThanOrEqual(durableIndex);
    state = new Map((await db.iterator().all()) as [string, string][]);
  }
  await db.close();
  return kills;
}

describe('crash recovery through LsmLevel (CrashFs, FaultFs kills)', () => {
  const seeds = process.env.CRASH_SEED ? [Number(process.env.CRASH_SEED)] : [1, 2, 3, 4, 5, 6];
  let kills = 0;
  for (const seed of seeds) {
    it(`seed ${seed}: 6 crashes, the store comes back at a prefix of the operations`, async () => {
      kills += await crashRounds(seed, 6);
    });
  }
  it('the kill points fired (the crashes were not all between operations)', () => {
    if (process.env.CRASH_SEED === undefined) expect(kills).toBeGreaterThan(3);
  });
});

describe('faults', () => {
  it('a full disk on a log write is LEVEL_IO_ERROR with the engine LSM_NO_SPACE as cause; the database keeps working', async () => {
    const fs = new FaultFs(new MemFs());
    const db = new LsmLevel('/db', { engine: { fs } });
    await db.put('a', '1');
    const rule = fs.addRule({ op: 'write', path: '.log', fault: { type: 'error', code: 'ENOSPC' } });
    const err = await rejection(db.put('b', '2'));
    expect(rule.fired).toBe(1);
    expect(err.code).toBe('LEVEL_IO_ERROR');
    expect(err.cause?.code).toBe('LSM_NO_SPACE');
    expect((err.cause?.cause as { code?: string }).code).toBe('ENOSPC');
    expect(await db.get('b')).toBeUndefined();
    await db.put('c', '3');
    const chained = db.batch().put('d', '4');
    fs.addRule({ op: 'write', path: '.log', fault: { type: 'error' } });
    expect((await rejection(chained.write())).code).toBe('LEVEL_IO_ERROR');
    await db.close();
    await db.open();
    expect(await db.get('a')).toBe('1');
    expect(await db.get('c')).toBe('3');
    await db.close();
  });

  it('a close whose log sync fails is LEVEL_DATABASE_NOT_CLOSED; calls then report not open, and close() again completes', async () => {
    const fs = new FaultFs(new MemFs());
    const db = new LsmLevel('/db', { engine: { fs } });
    await db.put('a', '1', { sync: true } as never);
    await db.put('b', '2');
    fs.addRule({ op: 'sync', path: '.log', fault: { type: 'error' } });
    const err = await rejection(db.close());
    expect(err.code).toBe('LEVEL_DATABASE_NOT_CLOSED');
    expect(err.cause?.code).toBe('LEVEL_IO_ERROR');
    expect(db.status).toBe('open');
    expect((await rejection(db.get('a'))).code).toBe('LEVEL_DATABASE_NOT_OPEN');
    await db.close();
    expect(db.status).toBe('closed');
    fs.clearRules();
    await db.open();
    expect(await db.get('a')).toBe('1');
    await db.close();
  });

  it('a failing read of a table is LEVEL_IO_ERROR from get and from iterators', async () => {
    const fs = new FaultFs(new MemFs());
    const db = new LsmLevel('/db', { engine: { fs, blockCacheBytes: 0 } });
    await db.batch(Array.from({ length: 100 }, (_, i) => ({ type: 'put' as const, key: `k${i}`, value: 'v' })));
    db.engine.flush();
    fs.addRule({ op: 'read', path: '.sst', times: Infinity, fault: { type: 'error' } });
    expect((await rejection(db.get('k5'))).code).toBe('LEVEL_IO_ERROR');
    expect((await rejection(db.keys().all())).code).toBe('LEVEL_IO_ERROR');
    fs.clearRules();
    expect(await db.get('k5')).toBe('v');
    await db.close();
  });
});
