// crashTest, the crash-point explorer: a correct atomic replace (write tmp, fsync, rename,
// fsync dir) passes at every point; each classic bug is reported at the points where it
// bites, with a trace that shows it; async workloads work; sampling is deterministic; torn
// variants exist only with tornWrites; bad options are FsError EINVAL.

import { describe, expect, it } from 'vitest';
import { FsError } from '@lsm/fs';
import { crashTest, formatCrashReport, mountedFs, type NodeFsModule } from '../src/index.js';

interface Bugs {
  fsyncFile?: boolean;
  fsyncDir?: boolean;
}

/** Replaces `path` with `data` the POSIX way; `bugs` leaves out a step. */
function atomicWrite(fs: NodeFsModule, path: string, data: string, bugs: Bugs = {}): void {
  const tmp = `${path}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  fs.writeSync(fd, data);
  if (bugs.fsyncFile !== false) fs.fsyncSync(fd);
  fs.closeSync(fd);
  fs.renameSync(tmp, path);
  if (bugs.fsyncDir !== false) {
    const dir = fs.openSync(path.slice(0, path.lastIndexOf('/')), 'r');
    fs.fsyncSync(dir);
    fs.closeSync(dir);
  }
}

/** The same with fs.promises and a FileHandle. */
async function atomicWriteAsync(fs: NodeFsModule, path: string, data: string, bugs: Bugs = {}): Promise<void> {
  const tmp = `${path}.tmp`;
  const fh = await fs.promises.open(tmp, 'w');
  await fh.writeFile(data);
  if (bugs.fsyncFile !== false) await fh.sync();
  await fh.close();
  await fs.promises.rename(tmp, path);
  if (bugs.fsyncDir !== false) {
    const dir = await fs.promises.open(path.slice(0, path.lastIndexOf('/')), 'r');
    await dir.sync();
    await dir.close();
  }
}

const VALUES = ['v0', 'v1', 'v2', 'v3'];

const setup = (fs: NodeFsModule): void => {
  fs.mkdirSync('/db');
  fs.writeFileSync('/db/value', 'v0');
};

/** The value file holds a whole value, no older than the last acknowledged one. */
const check = (fs: NodeFsModule, acked: string[]): void => {
  const value = fs.readFileSync('/db/value', 'utf8');
  const at = VALUES.indexOf(value);
  if (at < 0) throw new Error(`unreadable value ${JSON.stringify(value)}`);
  const last = acked.length === 0 ? 0 : VALUES.indexOf(acked[acked.length - 1]!);
  if (at < last) throw new Error(`lost acknowledged ${acked[acked.length - 1]}: found ${value}`);
};

const syncWorkload = (bugs: Bugs) => (fs: NodeFsModule, ack: (v: string) => void) => {
  for (const v of VALUES.slice(1)) {
    atomicWrite(fs, '/db/value', v, bugs);
    ack(v);
  }
};

describe('crashTest', () => {
  it('finds nothing wrong with a correct atomic replace, at every point', async () => {
    const report = await crashTest({ setup, workload: syncWorkload({}), check });
    expect(report.failures).toEqual([]);
    // Per value: create tmp, write, fsync, rename, fsync dir (5 points) + torn variants after
    // the write (the only point with unsynced data).
    expect(report.totalPoints).toBe(3 * 6);
    expect(report.points).toBe(report.totalPoints);
    expect(report.trace.slice(0, 7)).toEqual([
      "#1 open '/db/value.tmp' (write, create, truncate)",
      "#2 write '/db/value.tmp' 2 bytes at 0",
      "#3 fsync '/db/value.tmp'",
      "#4 close '/db/value.tmp'",
      "#5 rename '/db/value.tmp' -> '/db/value'",
      "#6 fsync directory '/db'",
      "#7 open '/db/value.tmp' (write, create, truncate)",
    ]);
    expect(report.trace).toHaveLength(18);
  });

  it('reports a rename without an fsync of the data where the empty file becomes durable', async () => {
    const report = await crashTest({ setup, workload: syncWorkload({ fsyncFile: false }), check });
    const first = report.failures[0]!;
    expect(first.point).toBe(5); // right after the directory fsync that made the rename durable
    expect(first.op).toBe("fsync directory '/db'");
    expect(first.variant).toBe('clean');
    expect(String(first.error)).toMatch(/unreadable value ""/);
    expect(first.trace).toHaveLength(5);
    expect(first.trace.some((t) => t.includes("fsync '/db/value.tmp'"))).toBe(false);
    expect(report.failures.every((f) => f.trace.length === f.point)).toBe(true);
  });

  it('reports a missing directory fsync as lost acknowledged data, from the rename on', async () => {
    const report = await crashTest({ setup, workload: syncWorkload({ fsyncDir: false }), check });
    const first = report.failures[0]!;
    expect(first.point).toBe(5);
    expect(first.op).toBe("rename '/db/value.tmp' -> '/db/value'");
    expect(first.acked).toEqual(['v1']);
    expect(String(first.error)).toMatch(/lost acknowledged v1: found v0/);
    // Nothing is ever durable after that: every later point fails too.
    expect(report.failures.map((f) => f.point)).toEqual([5, 6, 7, 7, 8, 10, 11, 12, 12, 13, 15]);
    const text = formatCrashReport(report);
    expect(text.split('\n')[0]).toBe(`${report.points} crash points checked (of ${report.totalPoints}), 11 failed`);
    expect(text).toContain("crash after #5 rename '/db/value.tmp' -> '/db/value' [clean]: Error: lost acknowledged v1: found v0");
  });

  it('runs async workloads (fs.promises, FileHandle) and async checks', async () => {
    const workload = (bugs: Bugs) => async (fs: NodeFsModule, ack: (v: string) => void) => {
      for (const v of VALUES.slice(1)) {
        await atomicWriteAsync(fs, '/db/value', v, bugs);
        ack(v);
      }
    };
    const asyncCheck = async (fs: NodeFsModule, acked: string[]): Promise<void> => {
      await new Promise((resolve) => setImmediate(resolve));
      check(fs, acked);
    };
    const good = await crashTest({ setup, workload: workload({}), check: asyncCheck });
    expect(good.failures).toEqual([]);
    expect(good.points).toBe(18);
    const bad = await crashTest({ setup, workload: workload({ fsyncDir: false }), check: asyncCheck });
    expect(bad.failures[0]?.op).toBe("rename '/db/value.tmp' -> '/db/value'");
  });

  it('checks torn variants only where unsynced data is pending, and only with tornWrites', async () => {
    // An in-place rewrite with no fsync: only a torn crash can leave half a value.
    const workload = (fs: NodeFsModule, ack: (v: string) => void): void => {
      fs.writeFileSync('/db/value', 'v1');
      ack('v1');
    };
    const wholeValue = (fs: NodeFsModule): void => {
      const v = fs.readFileSync('/db/value', 'utf8');
      if (!VALUES.includes(v)) throw new Error(`torn value ${JSON.stringify(v)}`);
    };
    const found = new Set<string>();
    for (let seed = 0; seed < 12; seed++) {
      const torn = await crashTest({ setup, workload, check: wholeValue, seed });
      expect(torn.trace).toEqual(["#1 open '/db/value' (write, create, truncate)", "#2 write '/db/value' 2 bytes at 0", "#3 close '/db/value'"]);
      expect(torn.totalPoints).toBe(4); // the truncation and the write, each clean and torn
      for (const f of torn.failures) {
        expect(f.variant).toBe('torn'); // a clean crash drops the whole rewrite: v0 is back
        found.add(String(f.error));
      }
    }
    expect([...found].sort()).toEqual(['Error: torn value ""', 'Error: torn value "v"']);
    const clean = await crashTest({ setup, workload, check: wholeValue, tornWrites: false });
    expect(clean.totalPoints).toBe(2);
  });

  it('samples maxPoints points, the same ones for the same seed', async () => {
    const everyPoint = async (seed: number): Promise<string[]> => {
      const r = await crashTest({
        setup,
        workload: syncWorkload({}),
        check: () => {
          throw new Error('record me');
        },
        maxPoints: 5,
        seed,
      });
      expect(r.points).toBe(5);
      expect(r.totalPoints).toBe(18);
      return r.failures.map((f) => `${f.point}/${f.variant}`);
    };
    const a = await everyPoint(7);
    expect(await everyPoint(7)).toEqual(a);
    expect(await everyPoint(8)).not.toEqual(a);
  });

  it('mounts the workload facade and the check facade on mountedFs, and nothing outside', async () => {
    const seen: string[] = [];
    await crashTest({
      workload: (_fs, ack) => {
        mountedFs.mkdirSync('/lib'); // what a library that imports node:fs (mocked) would do
        mountedFs.writeFileSync('/lib/f', 'x');
        ack('x');
      },
      check: (fs) => {
        seen.push(String(mountedFs.existsSync('/lib')) + String(fs.existsSync('/lib')));
      },
    });
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((s) => s === 'falsefalse')).toBe(true); // never made durable: a new dir, no fsync
    expect(() => mountedFs.readFileSync('/lib/f')).toThrow(FsError);
    expect(() => mountedFs.readFileSync('/lib/f')).toThrow(/EACCES.*no Fs is mounted/);
  });

  it('rejects bad options with FsError EINVAL', async () => {
    const ok = { workload: () => {}, check: () => {} };
    const bad: unknown[] = [
      undefined,
      { check: () => {} },
      { workload: () => {} },
      { ...ok, seed: 1.5 },
      { ...ok, maxPoints: 0 },
      { ...ok, tornWrites: 'yes' },
      { ...ok, setup: 3 },
    ];
    for (const options of bad) {
      const err = await crashTest(options as never).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(FsError);
      expect((err as FsError).code).toBe('EINVAL');
    }
  });

  it('passes the workload error through when the workload fails on its own', async () => {
    await expect(
      crashTest({
        workload: (fs) => {
          fs.readFileSync('/missing');
        },
        check: () => {},
      }),
    ).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
