// The lsm-stress program, minus the process: parses the command line, runs the rounds
// (each selected config with seed, seed+1, ... until --duration is used up, or once),
// prints one line per run, shrinks and prints the first failure, and ends with the
// report line. Returns the exit status (0 passed, 1 a check failed, 64 bad command line).

import { UsageError, USAGE, parseStressArgs } from './args.js';
import { describeConfig } from './configs.js';
import { addStats, emptyStats, reportLine } from './report.js';
import { type RunResult, type RunSpec, runStress } from './runner.js';
import { shrinkFailure } from './shrink.js';

/** Where the program writes, and its clock (injectable for tests). */
export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Milliseconds, monotonic enough for --duration. */
  now: () => number;
  /** The seed used when --seed is not given. */
  clockSeed: number;
}

/** The replay command for one run. */
export function replayCommand(spec: RunSpec): string {
  return `lsm-stress --seed ${spec.seed} --config ${spec.config.name} --ops ${spec.ops} --crash-every ${spec.crashEvery}`;
}

/** Runs lsm-stress with `argv` (no node/script prefix). `run` is the runner (tests pass a stand-in). */
export function main(argv: readonly string[], io: Io, run: (spec: RunSpec) => RunResult = runStress): number {
  const start = io.now();
  let args;
  try {
    args = parseStressArgs(argv, io.clockSeed);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.err(`lsm-stress: ${err.message}`);
    io.err(USAGE);
    return 64;
  }
  if (args.help) {
    io.out(USAGE);
    return 0;
  }
  const seconds = (): number => (io.now() - start) / 1000;
  io.out(
    `lsm-stress: seed ${args.seed}, ${args.ops} ops per run, crash every ~${args.crashEvery || 'never'}, ` +
      `${args.durationSeconds === undefined ? 'one round' : `for ${args.durationSeconds} s`}, configs: ${args.configs.map((c) => c.name).join(', ')}`,
  );
  const total = emptyStats();
  for (let round = 0; ; round++) {
    for (const config of args.configs) {
      if (args.durationSeconds !== undefined && seconds() >= args.durationSeconds) return finish();
      const spec: RunSpec = { seed: args.seed + round, ops: args.ops, crashEvery: args.crashEvery, config, ...(args.trace ? { trace: io.out } : {}) };
      const t0 = io.now();
      const { failure, stats } = run(spec);
      addStats(total, stats);
      io.out(
        `  seed ${spec.seed} ${config.name}: ${failure === undefined ? 'ok' : 'FAILED'} ` +
          `(${stats.crashes} crashes, ${stats.faultsInjected} faults, ${stats.corruptionsInjected} corruptions, ${((io.now() - t0) / 1000).toFixed(1)} s)`,
      );
      if (failure !== undefined) {
        io.out(`FAILURE at op ${failure.opIndex} (${failure.op}): ${failure.message}`);
        io.out(`  seed ${spec.seed}, config ${config.name}: ${describeConfig(config)}`);
        io.out(`  shrinking (re-running shorter prefixes of the op stream)...`);
        const { trace: _, ...quiet } = spec;
        const s = shrinkFailure(quiet, failure, run);
        io.out(`  shortest failing prefix: ${s.ops} ops (${s.probes} re-runs); it fails at op ${s.failure.opIndex} (${s.failure.op}): ${s.failure.message}`);
        io.out(`  replay: ${replayCommand({ ...spec, ops: s.ops })}`);
        return finish();
      }
    }
    if (args.durationSeconds === undefined) return finish();
  }

  function finish(): number {
    io.out(reportLine(total, seconds()));
    return total.failures === 0 && total.acknowledgedLost === 0 ? 0 : 1;
  }
}
