// lowdb 7.0.1 (JSONFile, whose writes go through steno 4.0.2, "Safe: No partial writes
// (writes are atomic)"; lowdb: "Safe atomic writes"), ES modules loaded as published, with
// node:fs and node:fs/promises mocked by the facade (vitest.config.ts inlines them so the
// mock reaches them). Check: the database reads, and every acknowledged post is in it,
// including the one that was durable before the workload began.

import { describe, expect, it, vi } from 'vitest';
import { crashTest, type NodeFsModule } from '@lsm/crashfs';
import { Low, LowSync } from 'lowdb';
import { JSONFile, JSONFileSync } from 'lowdb/node';
import { firstOf, LostAcknowledged, Unreadable, verdict } from './verdicts.js';

vi.mock('node:fs', async () => (await import('@lsm/crashfs')).nodeFsMock());
vi.mock('node:fs/promises', async () => (await import('@lsm/crashfs')).nodeFsPromisesMock());

const FILE = '/data/db.json';
type Data = { posts: number[] };

const setup = (fs: NodeFsModule): void => {
  fs.mkdirSync('/data');
  fs.writeFileSync(FILE, JSON.stringify({ posts: [0] }));
};

const check = async (_fs: NodeFsModule, acked: number[]): Promise<void> => {
  const db = new Low<Data>(new JSONFile(FILE), { posts: [] });
  try {
    await db.read();
  } catch (err) {
    throw new Unreadable(`${FILE}: ${String(err)}`);
  }
  const missing = [0, ...acked].filter((p) => !db.data.posts.includes(p));
  if (missing.length > 0) throw new LostAcknowledged(`posts ${missing.join(', ')} acknowledged, missing; the file has ${JSON.stringify(db.data)}`);
};

const workload = async (_fs: NodeFsModule, ack: (post: number) => void): Promise<void> => {
  const db = new Low<Data>(new JSONFile(FILE), { posts: [] });
  await db.read();
  for (let post = 1; post <= 3; post++) {
    db.data.posts.push(post);
    await db.write();
    ack(post);
  }
};

const syncWorkload = (_fs: NodeFsModule, ack: (post: number) => void): void => {
  const db = new LowSync<Data>(new JSONFileSync(FILE), { posts: [] });
  db.read();
  for (let post = 1; post <= 3; post++) {
    db.data.posts.push(post);
    db.write();
    ack(post);
  }
};

/** Failures where even post 0, durable before the workload began, is gone. */
const lostOld = (r: Awaited<ReturnType<typeof crashTest>>): number => r.failures.filter((f) => /posts 0[,\s]/.test(String(f.error))).length;

describe('lowdb 7.0.1 / steno 4.0.2', () => {
  it('strict model: no fsync at all, so every acknowledged write is lost; never unreadable', async () => {
    const report = await crashTest({ setup, workload, check });
    expect(verdict(report)).toEqual({ points: 17, lost: 14, unreadable: 0, other: 0 });
    expect(lostOld(report)).toBe(0);
    expect(firstOf(report, LostAcknowledged)?.trace.at(-1)).toBe("#6 rename '/data/.db.json.tmp' -> '/data/db.json'");
  });

  it('simple model (renames durable at once): the renamed, never-synced file vanishes, and the whole database with it', async () => {
    const report = await crashTest({ setup, workload, check, directorySync: false });
    expect(verdict(report)).toEqual({ points: 18, lost: 14, unreadable: 0, other: 0 });
    expect(lostOld(report)).toBe(14); // post 0 was durable before the workload: lowdb now reads an empty database
    const first = firstOf(report, LostAcknowledged)!;
    expect(first.trace).toEqual([
      "#1 open '/data/db.json' (read)",
      "#2 close '/data/db.json'",
      "#3 open '/data/.db.json.tmp' (write, create, truncate)",
      "#4 write '/data/.db.json.tmp' 33 bytes at 0",
      "#5 close '/data/.db.json.tmp'",
      "#6 rename '/data/.db.json.tmp' -> '/data/db.json'",
    ]);
    expect(String(first.error)).toContain('posts 0, 1 acknowledged, missing; the file has {"posts":[]}');
  });

  it('JSONFileSync (LowSync): the same', async () => {
    const strict = await crashTest({ setup, workload: syncWorkload, check });
    expect(verdict(strict)).toEqual({ points: 17, lost: 14, unreadable: 0, other: 0 });
    const simple = await crashTest({ setup, workload: syncWorkload, check, directorySync: false });
    expect(verdict(simple)).toEqual({ points: 18, lost: 14, unreadable: 0, other: 0 });
    expect(lostOld(simple)).toBe(14);
  });
});
