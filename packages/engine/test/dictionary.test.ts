// Tables compressed with trained zstd dictionaries, end to end through the store: the
// option is validated, flushes and compactions write dictionary tables, reads are right
// before and after reopen, and a crash at any storage operation (FaultFs kill over
// CrashFs) loses no durable write and leaves no table unreadable. Seeds printed on failure.

import { Leveled } from '@lsm/compaction';
import { CrashFs } from '@lsm/crashfs';
import { FaultFs, type Fs, type FaultOp, MemFs } from '@lsm/fs';
import { Table } from '@lsm/sstable';
import { describe, expect, it } from 'vitest';
import { Tree, type TreeOptions } from '../src/index.js';
import { Rng } from './helpers.js';

const utf8 = new TextEncoder();
const STATES = ['active', 'pending', 'suspended'];
const CITIES = ['Berlin', 'Lisbon', 'Osaka', 'Toronto', 'Nairobi'];

/** A small JSON document, the kind of value a dictionary helps with. */
function doc(rng: Rng, i: number, version: number): Uint8Array {
  return utf8.encode(
    JSON.stringify({ id: i, version, state: STATES[rng.int(3)], city: CITIES[rng.int(5)], score: rng.int(100000), tags: ['alpha', 'beta', 'gamma'].slice(rng.int(3)), updated_at: `2026-11-24T0${rng.int(10)}:00:00Z` }),
  );
}

const keyOf = (i: number): Uint8Array => utf8.encode(`user/${String(i).padStart(6, '0')}`);

const dictOptions = (fs: Fs): TreeOptions => ({
  fs,
  memtableBytes: 48 * 1024,
  blockSize: 1024,
  compression: { type: 'zstd', level: 3, dictionary: { maxBytes: 2048, sampleBytes: 16 * 1024 } },
  compaction: new Leveled({ l0CompactionTrigger: 3, levelBaseBytes: 64 * 1024, levelMultiplier: 4, targetTableSize: 32 * 1024 }),
});

function tablesWithDictionary(fs: Fs): { tables: number; withDict: number } {
  let tables = 0;
  let withDict = 0;
  for (const name of fs.readDir('/db')) {
    if (!name.endsWith('.sst')) continue;
    tables++;
    if (Table.readProperties(fs, `/db/${name}`).dictionarySize > 0) withDict++;
  }
  return { tables, withDict };
}

describe('compression dictionary option', () => {
  it('is validated, and bad values name the option', () => {
    const bad: unknown[] = [
      { type: 'zstd', dictionary: { maxBytes: 3 } },
      { type: 'zstd', dictionary: { maxBytes: 4096, sampleBytes: 100 } },
      { type: 'zstd', dictionary: 'big' },
      { type: 'none', dictionary: { maxBytes: 4096 } },
      { type: 'zstd', level: 99 },
      { type: 'zstd', level: 1.5 },
    ];
    for (const compression of bad) {
      let err: unknown;
      try {
        Tree.open('/db', { fs: new MemFs(), compression: compression as TreeOptions['compression'] });
      } catch (e) {
        err = e;
      }
      expect((err as { code?: string }).code, JSON.stringify(compression)).toBe('LSM_INVALID_ARGUMENT');
      expect((err as Error).message, JSON.stringify(compression)).toMatch(/option compression\.(dictionary|level)/);
    }
  });

  const MODES: Array<[string, TreeOptions['compression']]> = [
    ['none', 'none'],
    ['zstd', { type: 'zstd', level: 3 }],
    ['zstd + dictionary', { type: 'zstd', level: 3, dictionary: { maxBytes: 2048, sampleBytes: 16 * 1024 } }],
  ];
  for (const [mode, compression] of MODES) {
    it(`${mode}: round-trips through flush, compaction and reopen`, () => {
      const seed = 0x5eed;
      const fs = new MemFs();
      const rng = new Rng(seed);
      const model = new Map<string, Uint8Array | undefined>();
      const options = (): TreeOptions => ({ ...dictOptions(fs), compression });
      let tree = Tree.open('/db', options());
      for (let step = 0; step < 6000; step++) {
        const i = rng.int(2500);
        const k = keyOf(i);
        if (rng.chance(0.05)) {
          tree.delete(k);
          model.set(String(i), undefined);
        } else {
          const v = doc(rng, i, step);
          tree.put(k, v);
          model.set(String(i), v);
        }
        if (step === 3000) tree.flush();
      }
      tree.flush();
      const withDict = mode === 'zstd + dictionary';
      const afterFlush = tablesWithDictionary(fs);
      expect(afterFlush.withDict > 0, `seed ${seed}`).toBe(withDict);
      tree.compact();
      const afterCompaction = tablesWithDictionary(fs);
      expect(afterCompaction.withDict > 0, `seed ${seed}`).toBe(withDict);
      const check = (t: Tree): void => {
        for (const [i, v] of model) expect(t.get(keyOf(Number(i)))?.slice(), `seed ${seed}, key ${i}`).toEqual(v);
        expect([...t.range()].length).toBe([...model.values()].filter((v) => v !== undefined).length);
      };
      check(tree);
      tree.close();
      tree = Tree.open('/db', options());
      check(tree);
      tree.close();
      // Tables carry their own compression: the store reads them under any setting.
      tree = Tree.open('/db', { ...dictOptions(fs), compression: withDict ? 'none' : dictOptions(fs).compression });
      check(tree);
      tree.close();
    });
  }

  const KILL_OPS: FaultOp[] = ['write', 'sync', 'rename', 'syncDirectory'];
  for (const seed of [1, 2, 3, 4]) {
    it(`seed ${seed}: crashes during flush and compaction keep every durable write`, () => {
      const rng = new Rng(seed);
      const crashFs = new CrashFs(new MemFs(), { seed, tornWrites: true, directorySync: true });
      let faultFs = new FaultFs(crashFs);
      let tree = Tree.open('/db', dictOptions(faultFs));
      // Every put with its seqno, to know the state at any recovered seqno.
      const history: Array<{ i: number; v: Uint8Array; seq: number }> = [];
      let durable = 0;
      let kills = 0;
      for (let round = 0; round < 5; round++) {
        const where = `seed ${seed}, round ${round}`;
        const op = KILL_OPS[rng.int(KILL_OPS.length)]!;
        const rule = faultFs.addRule({ op, after: rng.int(op === 'write' ? 60 : 12), fault: { type: 'error', code: 'EIO' } });
        try {
          for (let n = 0; n < 2500 && rule.fired === 0; n++) {
            const i = rng.int(1500);
            const v = doc(rng, i, n);
            const seq = tree.put(keyOf(i), v);
            history.push({ i, v, seq });
            if (n % 700 === 699) {
              tree.flush();
              durable = tree.seqno;
            }
            if (n % 1200 === 1199) {
              tree.compact();
              durable = tree.seqno;
            }
          }
        } catch (err) {
          if (rule.fired === 0) throw err;
        }
        if (rule.fired > 0) kills++;
        crashFs.crash();
        faultFs = new FaultFs(crashFs);
        tree = Tree.open('/db', dictOptions(faultFs));
        const r = tree.seqno;
        expect(r, where).toBeGreaterThanOrEqual(durable);
        const state = new Map<number, Uint8Array>();
        for (const h of history) if (h.seq <= r) state.set(h.i, h.v);
        for (const [i, v] of state) expect(tree.get(keyOf(i))?.slice(), `${where}, key ${i}`).toEqual(v);
        expect([...tree.range()].length, where).toBe(state.size);
        while (history.length > 0 && history[history.length - 1]!.seq > r) history.pop();
        durable = r;
      }
      expect(kills).toBeGreaterThan(0);
      expect(tablesWithDictionary(crashFs).withDict, `seed ${seed}`).toBeGreaterThan(0);
      tree.close();
    });
  }
});
