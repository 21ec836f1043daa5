// The op log: how each recorded call reads in a crash trace, and that replaying it rebuilds the image the workload left (appends, positional writes, truncates, fdatasync, unlink, rm -r, failed calls).

import { describe, expect, it } from 'vitest';
import { crashTest, type NodeFsModule } from '../src/index.js';

/** The files under /d and their contents, as one string. */
function state(fs: NodeFsModule): string {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of fs.readdirSync(dir).sort()) {
      const p = `${dir}/${name}`;
      if (fs.statSync(p).isDirectory()) {
        out.push(`${p}/`);
        walk(p);
      } else out.push(`${p}=${fs.readFileSync(p, 'utf8')}`);
    }
  };
  walk('/d');
  return out.join(' ');
}

const setup = (fs: NodeFsModule): void => {
  fs.mkdirSync('/d');
  fs.writeFileSync('/d/a', 'abc');
};

describe('op log', () => {
  it('labels each call in the trace as the user wrote it', async () => {
    const report = await crashTest({
      setup,
      directorySync: false,
      tornWrites: false,
      workload: (fs, ack: (s: string) => void) => {
        const r = fs.openSync('/d/a', 'r');
        fs.closeSync(r);
        const a = fs.openSync('/d/a', 'a+');
        fs.writeSync(a, 'xy');
        fs.fsyncSync(a);
        ack('/d/a=abcxy');
        fs.ftruncateSync(a, 2);
        fs.fdatasyncSync(a);
        ack('/d/a=ab');
        fs.closeSync(a);
        try {
          fs.openSync('/d/a', 'wx'); // fails EEXIST: recorded, never replayed
        } catch {
          /* expected */
        }
        const b = fs.openSync('/d/b', 'w+');
        fs.writeSync(b, 'hello', 0);
        fs.writeSync(b, 'J', 0);
        fs.fsyncSync(b);
        fs.closeSync(b);
        ack('/d/a=ab /d/b=Jello');
        fs.unlinkSync('/d/a');
        ack('/d/b=Jello');
        fs.mkdirSync('/d/e/f', { recursive: true });
        ack('/d/b=Jello /d/e/ /d/e/f/');
        fs.rmSync('/d/e', { recursive: true });
        ack('/d/b=Jello');
      },
      check: (fs, acked) => {
        const want = acked.at(-1) ?? '/d/a=abc';
        const got = state(fs);
        if (got !== want) throw new Error(`image ${got}, expected ${want}`);
      },
    });
    expect(report.trace).toEqual([
      "#1 open '/d/a' (read)",
      "#2 close '/d/a'",
      "#3 open '/d/a' (append, create)",
      "#4 write '/d/a' 2 bytes at the cursor",
      "#5 fsync '/d/a'",
      "#6 truncate '/d/a' to 2",
      "#7 fdatasync '/d/a'",
      "#8 close '/d/a'",
      expect.stringMatching(/^#9 open '\/d\/a' \(write, createNew\)/),
      "#10 open '/d/b' (write, create, truncate)",
      "#11 write '/d/b' 5 bytes at 0",
      "#12 write '/d/b' 1 bytes at 0",
      "#13 fsync '/d/b'",
      "#14 close '/d/b'",
      "#15 unlink '/d/a'",
      "#16 mkdir -p '/d/e/f'",
      "#17 rm -r '/d/e'",
    ]);
    // Replayed at every point, the image is exactly what the workload had made durable.
    expect(report.failures.map((f) => `${f.op}: ${String(f.error)}`)).toEqual([]);
    expect(report.points).toBeGreaterThan(10);
  });
});
