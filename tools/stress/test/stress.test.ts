// CI's short stress pass and the stress tool's own tests. The pass runs every config of
// the matrix once with a fixed seed (crashes, kills, faults and corruptions included) and
// must find nothing; the checker must catch the breaches it exists for; the op stream must be a pure function of
// the seed; and the command line must behave (exit 64 on bad flags).

import { afterAll, describe, expect, it } from 'vitest';
import { CONFIGS, DIMENSIONS, type Dimension } from '../src/configs.js';
import { checkRecovery } from '../src/crash-check.js';
import { StressFailure } from '../src/failure.js';
import { type Io, main } from '../src/main.js';
import { generateOps } from '../src/ops.js';
import { Oracle } from '../src/oracle.js';
import { addStats, emptyStats, reportLine } from '../src/report.js';
import { type RunResult, type RunSpec, runStress } from '../src/runner.js';
import { shortestFailing } from '../src/shrink.js';
import { fakeTree } from './fake-tree.js';

const SEED = 20261124;
const OPS = 4000;
/** Configs whose every table trains a zstd dictionary (seconds of training per run) run this many. */
const DICT_OPS = 2000;
const CRASH_EVERY = 120;
/** Per-test timeout: runs take seconds each (vitest's default is 5 s). */
const TIMEOUT = 300_000;

describe('short stress pass: every config, fixed seed', { timeout: TIMEOUT }, () => {
  const total = emptyStats();
  const started = performance.now();
  afterAll(() => {
    console.log(`[stress short pass, seed ${SEED}, ${OPS} ops (${DICT_OPS} with dictionaries) x ${CONFIGS.length} configs] ${reportLine(total, (performance.now() - started) / 1000)}`);
  });
  for (const config of CONFIGS) {
    it(config.name, () => {
      const ops = config.picks.compression === 'zstd-dict' ? DICT_OPS : OPS;
      const spec = { seed: SEED, ops, crashEvery: CRASH_EVERY, config };
      const { failure, stats } = runStress(spec);
      addStats(total, stats);
      expect(failure, failure && `op ${failure.opIndex} (${failure.op}): ${failure.message}\nreplay: lsm-stress --seed ${SEED} --config ${config.name} --ops ${ops} --crash-every ${CRASH_EVERY}`).toBeUndefined();
      expect(stats.crashes).toBeGreaterThan(5);
      expect(stats.kills).toBeGreaterThan(0);
      expect(stats.recoveries).toBe(stats.crashes);
      expect(stats.faultsInjected).toBeGreaterThan(0);
      expect(stats.corruptionsDetected).toBe(stats.corruptionsInjected);
      expect(stats.acknowledgedLost).toBe(0);
      expect(stats.flushes).toBeGreaterThan(0);
      expect(stats.merges).toBeGreaterThan(0);
      expect(stats.rangeDeletions).toBeGreaterThan(0);
      expect(stats.ingests).toBeGreaterThan(0);
      // Checkpoints were opened and checked, change capture was checked against the history.
      expect(stats.checkpoints).toBeGreaterThan(0);
      expect(stats.changeScans).toBeGreaterThan(0);
      expect(stats.changeRecords).toBeGreaterThan(0);
      // FIFO configs really dropped data (and the oracle followed); no other config does.
      if (config.fifo) expect(stats.fifoWatermarkMoves).toBeGreaterThan(0);
      else expect(stats.fifoWatermarkMoves).toBe(0);
      if (config.picks.kvSeparation !== 'off') {
        // Values really went through blob files, and blob GC and blob file deletion ran.
        expect(stats.blobReads).toBeGreaterThan(0);
        expect(stats.blobGcValues).toBeGreaterThan(0);
        expect(stats.blobFilesDeleted).toBeGreaterThan(0);
        expect(stats.blobCorruptionsInjected).toBeGreaterThan(0);
      } else {
        expect(stats.blobReads).toBe(0);
      }
    });
  }
});

describe('the matrix', { timeout: TIMEOUT }, () => {
  it('uses every value of every dimension in some config', () => {
    for (const dim of Object.keys(DIMENSIONS) as Dimension[]) {
      for (const value of Object.keys(DIMENSIONS[dim])) {
        expect(
          CONFIGS.some((c) => c.picks[dim] === value),
          `${dim}=${value}`,
        ).toBe(true);
      }
    }
  });
});

describe('determinism', { timeout: TIMEOUT }, () => {
  it('the op stream is a pure function of the seed, and truncation gives a prefix', () => {
    const params = { crashEvery: 100 };
    const long = generateOps(7, 3000, params);
    expect(generateOps(7, 3000, params)).toEqual(long);
    expect(generateOps(7, 1234, params)).toEqual(long.slice(0, 1234));
    expect(generateOps(8, 3000, params)).not.toEqual(long);
    expect(new Set(long.map((o) => o.kind)).size).toBeGreaterThanOrEqual(23);
  });

  it('a run replays exactly', () => {
    const spec = { seed: 99, ops: 800, crashEvery: 60, config: CONFIGS[1]! };
    expect(runStress(spec)).toEqual(runStress(spec));
  });
});

describe('shrinking', { timeout: TIMEOUT }, () => {
  it('finds the shortest failing prefix by binary search', () => {
    const probed: number[] = [];
    const r = shortestFailing(1000, (len) => {
      probed.push(len);
      return len >= 377;
    });
    expect(r.len).toBe(377);
    expect(r.probes).toBeLessThanOrEqual(11);
    expect(shortestFailing(1, () => true).len).toBe(1);
  });
});

const v = (s: string): Uint8Array => Buffer.from(s);

describe('the recovery check catches what it exists for', { timeout: TIMEOUT }, () => {
  const oracle = (): Oracle => {
    const o = new Oracle();
    o.record([{ key: 'a', kind: 'put', value: v('1') }], 1, true);
    o.record(
      [
        { key: 'b', kind: 'put', value: v('2') },
        { key: 'c', kind: 'put', value: v('3') },
      ],
      2,
      true,
    );
    return o;
  };
  // One seqno per write call: the batch of b and c is seqno 2.
  const bounds = { durable: 1, attempted: 2, batchEnds: new Set([0, 1, 2]) };

  it('accepts any batch-boundary prefix at or above the durable point', () => {
    expect(() => checkRecovery(fakeTree(1, { a: '1' }), oracle(), bounds, 't')).not.toThrow();
    expect(() => checkRecovery(fakeTree(2, { a: '1', b: '2', c: '3' }), oracle(), bounds, 't')).not.toThrow();
  });

  it('rejects a lost durable write, counting it', () => {
    let err: unknown;
    try {
      checkRecovery(fakeTree(0, {}), oracle(), bounds, 't');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StressFailure);
    expect((err as StressFailure).lost).toBe(1);
  });

  it('rejects half a batch, a seqno from nowhere or inside a batch, and wrong contents', () => {
    expect(() => checkRecovery(fakeTree(2, { a: '1', b: '2' }), oracle(), bounds, 't')).toThrow(/differ/);
    expect(() => checkRecovery(fakeTree(3, { a: '1', b: '2', c: '3' }), oracle(), bounds, 't')).toThrow(/above the last seqno/);
    expect(() => checkRecovery(fakeTree(2, { a: '1', b: '2', c: '3' }), oracle(), { ...bounds, batchEnds: new Set([0, 1]) }, 't')).toThrow(/inside a write batch/);
    expect(() => checkRecovery(fakeTree(2, { a: '1', b: '2', c: '3', z: '9' }), oracle(), bounds, 't')).toThrow(/differ/);
  });

  it('lets a failed write call come back whole or not at all, never half', () => {
    const withFailed = (): Oracle => {
      const o = oracle();
      o.record(
        [
          { key: 'a', kind: 'put', value: v('x') },
          { key: 'd', kind: 'put', value: v('y') },
        ],
        3,
        false,
      );
      return o;
    };
    const b = { durable: 2, attempted: 3, batchEnds: new Set([2, 3]) };
    const whole = withFailed();
    checkRecovery(fakeTree(3, { a: 'x', b: '2', c: '3', d: 'y' }), whole, b, 't');
    expect(Buffer.from(whole.get('d', 3)!).toString()).toBe('y');
    const none = withFailed();
    checkRecovery(fakeTree(3, { a: '1', b: '2', c: '3' }), none, b, 't');
    expect(none.get('d', 3)).toBeUndefined();
    expect(() => checkRecovery(fakeTree(3, { a: 'x', b: '2', c: '3' }), withFailed(), b, 't')).toThrow(/all-or-nothing/);
  });
});

describe('command line', { timeout: TIMEOUT }, () => {
  const io = (): Io & { lines: string[]; errors: string[] } => {
    const lines: string[] = [];
    const errors: string[] = [];
    let t = 0;
    return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l), now: () => (t += 10), clockSeed: 5 };
  };

  it('rejects bad flags with exit status 64 and the usage', () => {
    for (const argv of [['--nope'], ['--ops'], ['--ops', 'x'], ['--ops', '0'], ['--config', 'missing'], ['--duration', '5 minutes'], ['extra'], ['--trace=1'], ['--seed', '1', '--seed', '2']]) {
      const x = io();
      expect(main(argv, x), argv.join(' ')).toBe(64);
      expect(x.errors.join('\n')).toContain('usage: lsm-stress');
    }
  });

  it('prints usage on --help', () => {
    const x = io();
    expect(main(['--help'], x)).toBe(0);
    expect(x.lines.join('\n')).toContain('--crash-every');
  });

  it('runs, and ends with the report line', () => {
    const x = io();
    expect(main(['--seed', '3', '--ops', '300', '--config', 'baseline,tiny', '--crash-every', '50'], x)).toBe(0);
    const last = x.lines[x.lines.length - 1]!;
    expect(last).toMatch(/^lsm-stress OK: 600 operations in 2 runs/);
    expect(last).toMatch(/acknowledged writes lost: 0$/);
  });

  it('on a failure prints the seed, the config, the shortest failing prefix and a replay command, and exits 1', () => {
    // A stand-in runner whose runs fail from op 37 on (as a real engine bug would).
    const fake = (spec: RunSpec): RunResult => {
      const stats = { ...emptyStats(), ops: spec.ops, runs: 1 };
      if (spec.ops <= 37) return { failure: undefined, stats };
      stats.failures = 1;
      stats.acknowledgedLost = 2;
      return { failure: { opIndex: 37, op: '{"kind":"put"}', message: 'recovered seqno 3 is below the last durable write 5' }, stats };
    };
    const x = io();
    expect(main(['--seed', '41', '--config', 'tiny', '--ops', '500'], x, fake)).toBe(1);
    const out = x.lines.join('\n');
    expect(out).toContain('FAILURE at op 37');
    expect(out).toContain('seed 41, config tiny: compression=none');
    expect(out).toMatch(/shortest failing prefix: 38 ops/);
    expect(out).toContain('replay: lsm-stress --seed 41 --config tiny --ops 38 --crash-every 200');
    expect(x.lines[x.lines.length - 1]).toMatch(/^lsm-stress FAILED: .*acknowledged writes lost: 2$/);
  });
});
