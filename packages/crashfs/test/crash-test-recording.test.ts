// crashTest's recording of a workload: every call reaches the CrashFs (the workload sees
// each effect at once), exactly the calls a crash can tell apart are crash points, the
// data of a write is what it was at the call (a caller may reuse its buffer), and a replay
// of the recording rebuilds the same files. A recording that dropped a call, copied a
// buffer too late or took a no-op for a crash point would check the wrong images, or too
// few of them, and pass code that loses data.

import { describe, expect, it } from 'vitest';
import { crashTest, type NodeFsModule } from '../src/index.js';

/** Runs every kind of call the facade can record, checking each effect as it goes. */
function workload(fs: NodeFsModule, ack: (v: string) => void): void {
  const fd = fs.openSync('/d/a', 'w');
  const buf = Buffer.from('hello');
  fs.writeSync(fd, buf);
  buf.fill(0x21); // the caller reuses its buffer at once
  fs.writeSync(fd, 'xy', 1);
  fs.ftruncateSync(fd, 4);
  fs.fdatasyncSync(fd);
  fs.fsyncSync(fd);
  fs.closeSync(fd);
  if (fs.readFileSync('/d/a', 'latin1') !== 'hxyl') throw new Error(`workload: /d/a holds ${fs.readFileSync('/d/a', 'latin1')}`);
  const dir = fs.openSync('/d', 'r');
  fs.fsyncSync(dir);
  ack('a durable');
  // Calls that change nothing a crash can see: a read-only open, an open of an existing file
  // without truncation, mkdir -p of an existing directory, a failed unlink.
  const r = fs.openSync('/d/a', 'r');
  fs.closeSync(r);
  const rw = fs.openSync('/d/a', 'r+');
  fs.closeSync(rw);
  fs.mkdirSync('/d', { recursive: true });
  try {
    fs.unlinkSync('/d/missing');
    throw new Error('workload: unlink of a missing file succeeded');
  } catch (err) {
    if ((err as { code?: string }).code !== 'ENOENT') throw err;
  }
  // Calls that do.
  fs.mkdirSync('/d/sub/deeper', { recursive: true });
  fs.writeFileSync('/d/sub/deeper/x', 'x');
  fs.renameSync('/d/a', '/d/b');
  fs.unlinkSync('/d/old');
  fs.rmSync('/d/sub', { recursive: true });
  for (const [p, there] of [['/d/a', false], ['/d/b', true], ['/d/old', false], ['/d/sub', false]] as const) {
    if (fs.existsSync(p) !== there) throw new Error(`workload: ${p} ${there ? 'missing' : 'still there'}`);
  }
  fs.fsyncSync(dir);
  fs.closeSync(dir);
  ack('renamed');
}

/** Holds at every crash point: what was acknowledged is there, byte for byte. */
function check(fs: NodeFsModule, acked: string[]): void {
  if (fs.existsSync('/d/old') && fs.readFileSync('/d/old', 'latin1') !== 'old') throw new Error('/d/old changed');
  if (!acked.includes('a durable')) return;
  const names = ['/d/a', '/d/b'].filter((p) => fs.existsSync(p));
  if (names.length !== 1) throw new Error(`expected one of /d/a, /d/b, found ${names.join(', ') || 'none'}`);
  const data = fs.readFileSync(names[0]!, 'latin1');
  if (data !== 'hxyl') throw new Error(`${names[0]} holds ${JSON.stringify(data)}`);
  if (acked.includes('renamed') && (names[0] !== '/d/b' || fs.existsSync('/d/old') || fs.existsSync('/d/sub'))) throw new Error('the rename, unlink or rm was lost');
}

const setup = (fs: NodeFsModule): void => {
  fs.mkdirSync('/d');
  fs.writeFileSync('/d/old', 'old');
};

describe('crashTest recording', () => {
  it('records each call in order, and exactly the ones that change what a crash leaves are crash points', async () => {
    const report = await crashTest({ setup, workload, check, tornWrites: false });
    expect(report.failures).toEqual([]);
    expect(report.trace).toEqual([
      "#1 open '/d/a' (write, create, truncate)",
      "#2 write '/d/a' 5 bytes at 0",
      "#3 write '/d/a' 2 bytes at 1",
      "#4 truncate '/d/a' to 4",
      "#5 fdatasync '/d/a'",
      "#6 fsync '/d/a'",
      "#7 close '/d/a'",
      "#8 open '/d/a' (read)",
      "#9 close '/d/a'",
      "#10 fsync directory '/d'",
      "#11 open '/d/a' (read)",
      "#12 close '/d/a'",
      "#13 open '/d/a' (write)",
      "#14 close '/d/a'",
      "#15 mkdir -p '/d'",
      "#16 unlink '/d/missing' (failed: ENOENT)",
      "#17 mkdir -p '/d/sub/deeper'",
      "#18 open '/d/sub/deeper/x' (write, create, truncate)",
      "#19 write '/d/sub/deeper/x' 1 bytes at 0",
      "#20 close '/d/sub/deeper/x'",
      "#21 rename '/d/a' -> '/d/b'",
      "#22 unlink '/d/old'",
      "#23 rm -r '/d/sub'",
      "#24 fsync directory '/d'",
    ]);
    // The workload's readFileSync shows as #8-#9; the directory's own open and close are not
    // recorded (the facade opens a directory without the Fs). Points: #1-#6, #10, #17-#19,
    // #21-#24 (opens that create or truncate, writes, truncates, syncs, mkdir of a new
    // directory, rename, unlink, rm); not: closes, read-only or non-truncating opens, mkdir -p
    // of an existing directory, a failed call.
    expect(report.totalPoints).toBe(14);
    expect(report.points).toBe(14);
  });

  it('checks a torn variant exactly where a crash point has unsynced data pending', async () => {
    const report = await crashTest({ setup, workload, check, tornWrites: true });
    expect(report.failures).toEqual([]);
    // Unsynced data is pending at points #2, #3, #4 (before #5's fdatasync) and #19, #21,
    // #22 (the file written under /d/sub is never synced, until #23 removes it).
    expect(report.totalPoints).toBe(14 + 6);
  });

  it('replays a write with the bytes it had when it was made, though the caller reused its Buffer', async () => {
    // Before 2026-12-04 the recording kept Buffer.slice() of the data: a view of the
    // caller's buffer, so every image showed what the buffer held at the end.
    const report = await crashTest({
      workload: (fs, ack) => {
        const buf = Buffer.alloc(4);
        const fd = fs.openSync('/f', 'w');
        for (const word of ['abcd', 'efgh', 'ijkl']) {
          buf.write(word, 'latin1');
          fs.writeSync(fd, buf);
          fs.fsyncSync(fd);
          ack(word);
        }
        fs.closeSync(fd);
      },
      setup: () => {},
      check: (fs, acked) => {
        if (acked.length === 0) return;
        const data = fs.readFileSync('/f', 'latin1');
        if (!data.startsWith(acked.join(''))) throw new Error(`/f holds ${JSON.stringify(data)} after ${acked.join(', ')}`);
      },
      directorySync: false,
    });
    expect(report.failures).toEqual([]);
  });
});
