// node-persist 4.0.4 (npm, CommonJS: "Super-easy (and fast) persistent data structures in
// Node.js, modeled after HTML5 localStorage"; its write queue is there "to avoid corrupted
// files"), loaded as published with require('fs') redirected by hookRequire. One file per
// key, rewritten in place with fs.writeFile, no fsync. Check: every key reads back (no
// "does not look like a valid storage file") with its last acknowledged value, and the
// key written before the workload keeps at least its old value.

import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { crashTest, hookRequire, type NodeFsModule } from '@lsm/crashfs';
import { firstOf, LostAcknowledged, Unreadable, verdict } from './verdicts.js';

hookRequire({ packages: ['node-persist'] });
const storage = createRequire(import.meta.url)('node-persist') as typeof import('node-persist');

const DIR = '/data/persist';
type Ack = [key: string, value: number];

/** A node-persist instance on DIR with no timers left behind. */
type Storage = ReturnType<typeof storage.create> & { stopWriteQueueInterval(): void }; // missing from @types/node-persist 3

async function open<T>(fn: (s: Storage) => Promise<T>): Promise<T> {
  const s = storage.create({ dir: DIR, expiredInterval: 0 }) as Storage;
  await s.init();
  try {
    return await fn(s);
  } finally {
    s.stopWriteQueueInterval();
  }
}

const setup = (): Promise<void> => open(async (s) => void (await s.setItem('old', 0)));

const workload = (_fs: NodeFsModule, ack: (a: Ack) => void): Promise<void> =>
  open(async (s) => {
    for (const [key, value] of [['old', 1], ['new', 1], ['old', 2], ['new', 2]] as Ack[]) {
      await s.setItem(key, value);
      ack([key, value]);
    }
  });

const check = (_fs: NodeFsModule, acked: Ack[]): Promise<void> =>
  open(async (s) => {
    const expected = new Map<string, number>([['old', 0], ...acked]);
    const got = new Map<string, unknown>();
    for (const key of expected.keys()) {
      try {
        got.set(key, await s.getItem(key));
      } catch (err) {
        throw new Unreadable(`key ${key}: ${String(err)}`); // worse than a lost value: reported first
      }
    }
    for (const [key, want] of expected) {
      if (got.get(key) !== want) throw new LostAcknowledged(`key ${key}: ${want} was acknowledged, read ${String(got.get(key))}`);
    }
  });

describe('node-persist 4.0.4', () => {
  it('loses acknowledged values, and a torn rewrite leaves a key that cannot be read', async () => {
    const report = await crashTest({ setup, workload, check });
    expect(verdict(report)).toEqual({ points: 16, lost: 11, unreadable: 3, other: 0 });
    const first = firstOf(report, Unreadable)!;
    expect([first.point, first.variant]).toEqual([5, 'torn']);
    expect(String(first.error)).toMatch(/key old: .*does not look like a valid storage file!/);
  });

  it('minimal reproduction: one setItem over a durable key; a torn crash leaves the key unreadable', async () => {
    // Over 10 seeds (the torn prefix is seeded), count what each crash point leaves.
    const totals = { points: 0, lost: 0, unreadable: 0, other: 0 };
    let repro: string[] | undefined;
    for (let seed = 0; seed < 10; seed++) {
      const report = await crashTest({
        setup,
        workload: (_fs, ack: (a: Ack) => void) => open(async (s) => ack((await s.setItem('old', 1), ['old', 1]))),
        check,
        seed,
      });
      const v = verdict(report);
      for (const k of Object.keys(totals) as Array<keyof typeof totals>) totals[k] += v[k];
      repro ??= firstOf(report, Unreadable)?.trace;
    }
    expect(totals).toEqual({ points: 40, lost: 11, unreadable: 10, other: 0 });
    // The shortest: the truncation of fs.writeFile's open('w') reached the disk, the data did not.
    expect(repro).toEqual(["#1 open '/data/persist/cba06b5736faf67e54b07b561eae94395e774c517a7d910a54369e1263ccfbd4' (write, create, truncate)"]);
  });
});
