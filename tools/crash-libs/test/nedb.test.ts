// @seald-io/nedb 4.1.2 (npm, CommonJS; the maintained fork of NeDB), loaded as published
// with require('fs') redirected by hookRequire. Its storage module promises that a full
// rewrite of the datafile is "immune to crashes during the write operation (data will not
// be lost)" (write temp, fsync, rename, fsync directory); inserts and updates are appended
// to the datafile with fs.appendFile and no fsync. Check: the database loads (no
// "More than 10% of the data file is corrupt"), and every acknowledged document is there.

import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { crashTest, hookRequire, type NodeFsModule } from '@lsm/crashfs';
import { firstOf, LostAcknowledged, Unreadable, verdict } from './verdicts.js';

hookRequire({ packages: ['@seald-io/nedb'] });
/** The part of nedb's Datastore these tests use. */
interface Datastore<T> {
  loadDatabaseAsync(): Promise<void>;
  insertAsync(doc: T): Promise<T>;
  updateAsync(query: object, update: object): Promise<unknown>;
  findAsync(query: object): Promise<T[]>;
  compactDatafileAsync(): Promise<void>;
}
const Datastore = createRequire(import.meta.url)('@seald-io/nedb') as new <T>(options: { filename: string }) => Datastore<T>;

const FILE = '/data/app.db';
type Doc = { _id: string; n: number };

/** A loaded datastore on FILE (loading also rewrites the datafile, crash-safely). */
async function load(): Promise<Datastore<Doc>> {
  const db = new Datastore<Doc>({ filename: FILE });
  await db.loadDatabaseAsync();
  return db;
}

const setup = async (): Promise<void> => {
  const db = await load();
  await db.insertAsync({ _id: 'old', n: 0 });
  await db.compactDatafileAsync();
};

const check = async (_fs: NodeFsModule, acked: Doc[]): Promise<void> => {
  let docs: Doc[];
  try {
    docs = await (await load()).findAsync({});
  } catch (err) {
    throw new Unreadable(`${FILE}: ${String(err)}`);
  }
  const want = new Map<string, number>([['old', 0]]);
  for (const d of acked) want.set(d._id, d.n);
  for (const [id, n] of want) {
    const got = docs.find((d) => d._id === id);
    if (got?.n !== n) throw new LostAcknowledged(`document ${id}: n=${n} was acknowledged, found ${got === undefined ? 'nothing' : `n=${got.n}`}`);
  }
};

describe('@seald-io/nedb 4.1.2', () => {
  it('appends: acknowledged inserts and updates are lost, a torn append makes the database refuse to load', async () => {
    const report = await crashTest({
      setup,
      workload: async (_fs, ack: (d: Doc) => void) => {
        const db = await load();
        for (const doc of [{ _id: 'a', n: 1 }, { _id: 'b', n: 1 }]) ack(await db.insertAsync(doc));
        await db.updateAsync({ _id: 'old' }, { $set: { n: 1 } });
        ack({ _id: 'old', n: 1 });
      },
      check,
    });
    expect(verdict(report)).toEqual({ points: 14, lost: 3, unreadable: 3, other: 0 });
    // Every clean crash after an append loses it; every torn one leaves half a line, which
    // is 50% of this small datafile: nedb refuses to load (over 10 lines it would skip it).
    const first = firstOf(report, Unreadable)!;
    expect([first.point, first.variant, first.op]).toEqual([17, 'torn', "write '/data/app.db' 18 bytes at the cursor"]);
    expect(String(first.error)).toContain('50% of the data file is corrupt, more than given corruptAlertThreshold (10%)');
    expect(firstOf(report, LostAcknowledged)?.point).toBe(17);
  });

  it('compaction (the crash-safe rewrite) is correct; only the torn appends before it fail', async () => {
    const report = await crashTest({
      setup,
      workload: async (_fs, ack: (d: Doc) => void) => {
        const db = await load();
        const docs = [{ _id: 'a', n: 1 }, { _id: 'b', n: 1 }];
        for (const doc of docs) await db.insertAsync(doc);
        await db.compactDatafileAsync();
        for (const doc of docs) ack(doc);
      },
      check,
    });
    expect(verdict(report)).toEqual({ points: 25, lost: 0, unreadable: 3, other: 0 });
    // The 3 failures are torn appends before the rewrite fsyncs the datafile; from that fsync
    // on (the rewrite itself: temp file, fsync, rename, fsync directory), every point passes.
    const flushed = report.trace.findIndex((t, i) => i > 16 && t.endsWith("fsync '/data/app.db'")) + 1;
    expect(flushed).toBe(24);
    expect(report.failures.every((f) => f.point < flushed && f.variant === 'torn')).toBe(true);
  });
});
