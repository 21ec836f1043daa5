// crashTest's options and what it hands back, exactly (issue #22): each bad option is
// EINVAL from crashTest with a message naming the option and what it got; a sample of
// maxPoints crash points is that many, in trace order; and formatCrashReport prints each
// failure's error (an Error by name and first line, anything else as a string) and its
// trace unless asked not to.

import { describe, expect, it } from 'vitest';
import { FsError } from '@lsm/fs';
import { crashTest, formatCrashReport, type CrashTestOptions, type NodeFsModule } from '../src/index.js';

const workload = (fs: NodeFsModule, ack: (n: number) => void): void => {
  fs.mkdirSync('/d');
  for (let i = 0; i < 6; i++) {
    fs.writeFileSync(`/d/f${i}`, `v${i}`);
    const fd = fs.openSync(`/d/f${i}`, 'r+');
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    ack(i);
  }
};

async function rejection(options: unknown): Promise<FsError> {
  try {
    await crashTest(options as CrashTestOptions);
  } catch (err) {
    expect(err).toBeInstanceOf(FsError);
    return err as FsError;
  }
  throw new Error('crashTest accepted bad options');
}

describe('crashTest options', () => {
  const ok = { workload: () => {}, check: () => {} };
  const cases: Array<[string, unknown, string]> = [
    ['null', null, 'options must be an object'],
    ['a string', 'opts', 'options must be an object'],
    ['no workload', { check: () => {} }, 'workload must be a function (fs, ack) => void | Promise<void>'],
    ['no check', { workload: () => {} }, 'check must be a function (fs, acked) => void | Promise<void>'],
    ['a setup that is not a function', { ...ok, setup: 3 }, 'setup must be a function (fs) => void | Promise<void>'],
    ['a fractional seed', { ...ok, seed: 0.5 }, 'seed must be a safe integer, got 0.5'],
    ['maxPoints 0', { ...ok, maxPoints: 0 }, 'maxPoints must be a positive integer, got 0'],
    ['maxPoints 2.5', { ...ok, maxPoints: 2.5 }, 'maxPoints must be a positive integer, got 2.5'],
    ['tornWrites not a boolean', { ...ok, tornWrites: 'no' }, 'tornWrites must be a boolean, got no'],
    ['directorySync not a boolean', { ...ok, directorySync: 1 }, 'directorySync must be a boolean, got 1'],
  ];
  for (const [what, options, detail] of cases) {
    it(`${what}: EINVAL from crashTest saying so`, async () => {
      const err = await rejection(options);
      expect(err.code).toBe('EINVAL');
      expect(err.syscall).toBe('crashTest');
      expect(err.message).toBe(`EINVAL: crashTest: ${detail}`);
    });
  }
});

describe('sampling with maxPoints', () => {
  it('checks exactly maxPoints crash points, in trace order, and reports how many there were', async () => {
    const seen: number[] = [];
    const full = await crashTest({ workload, check: () => {}, tornWrites: false });
    const report = await crashTest({
      workload,
      tornWrites: false,
      maxPoints: 5,
      seed: 3,
      check: (_fs, acked: number[]) => {
        seen.push(acked.length);
        throw new Error(`point with ${acked.length} acked`);
      },
    });
    expect(full.totalPoints).toBeGreaterThan(10);
    expect(report.totalPoints).toBe(full.totalPoints);
    expect(report.points).toBe(5);
    expect(report.failures.length).toBe(5);
    const points = report.failures.map((f) => f.point);
    expect(points).toEqual([...points].sort((a, b) => a - b));
    expect(new Set(points).size).toBe(5);
    // Acks only grow along the trace: the checks ran in trace order too.
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    // maxPoints at or above the total checks every point.
    const all = await crashTest({ workload, tornWrites: false, maxPoints: full.totalPoints, check: () => {} });
    expect(all.points).toBe(full.totalPoints);
  });
});

describe('formatCrashReport', () => {
  it('prints each failure with its error (an Error by name and first line, anything else as a string) and its trace unless traces: false', async () => {
    let n = 0;
    const report = await crashTest({
      workload,
      tornWrites: false,
      maxPoints: 2,
      check: () => {
        n++;
        if (n === 1) throw new TypeError('first line\nsecond line');
        throw 'a plain string'; // eslint-disable-line no-throw-literal
      },
    });
    const text = formatCrashReport(report);
    const lines = text.split('\n');
    expect(lines[0]).toBe(`2 crash points checked (of ${report.totalPoints}), 2 failed`);
    const [a, b] = report.failures;
    expect(text).toContain(`crash after #${a!.point} ${a!.op} [clean]: TypeError: first line\n`);
    expect(text).not.toContain('second line');
    expect(text).toContain(`crash after #${b!.point} ${b!.op} [clean]: a plain string`);
    for (const t of a!.trace) expect(lines).toContain(`    ${t}`);
    const short = formatCrashReport(report, { traces: false });
    expect(short.split('\n')).toEqual([lines[0], `crash after #${a!.point} ${a!.op} [clean]: TypeError: first line`, `crash after #${b!.point} ${b!.op} [clean]: a plain string`]);
  });
});
