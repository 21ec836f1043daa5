// Command-line parsing for lsm-stress. Every flag changes what runs; anything unknown or
// malformed is a UsageError, which the CLI prints with the usage text and exit code 64.

import { CONFIGS, type StressConfig, configByName } from './configs.js';

/** A bad command line. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** What to run. */
export interface StressArgs {
  /** Seed of the first round (round k uses seed + k). */
  seed: number;
  /** Ops per run. */
  ops: number;
  /** Keep starting rounds until this many seconds have passed; undefined: one round. */
  durationSeconds: number | undefined;
  /** About one crash per this many ops; 0: no crashes. */
  crashEvery: number;
  /** The configs each round runs, in order. */
  configs: StressConfig[];
  /** Print every op as it runs. */
  trace: boolean;
  help: boolean;
}

/** The usage text (printed by --help and after a bad command line). */
export const USAGE = `usage: lsm-stress [--seed N] [--ops N] [--duration T] [--crash-every N] [--config NAME[,NAME...]|all]
  --seed N          seed of the operation stream (default: from the clock, printed); round k uses N+k
  --ops N           operations per run (default 2000)
  --duration T      keep running rounds (every config, next seed) for T: 90, 90s, 15m, 1h (default: one round)
  --crash-every N   about one crash per N operations (default 200; 0: none)
  --config C        config name(s), comma-separated, or "all" (default all):
                    ${CONFIGS.map((c) => c.name).join(', ')}
  --trace           print every operation as it runs (for replays)
  --help            this text
exit status: 0 all checks passed, 1 a check failed, 64 bad command line`;

const VALUED = new Set(['seed', 'ops', 'duration', 'crash-every', 'config']);

function integer(name: string, v: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const t = v.replace(/_/g, '');
  const n = /^\d+$/.test(t) ? Number(t) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer in [${min}, ${max}], got ${JSON.stringify(v)}`);
  return n;
}

function duration(v: string): number {
  const m = /^(\d+(?:\.\d+)?)(s|m|h)?$/.exec(v.trim());
  if (m === null) throw new UsageError(`--duration must look like 90, 90s, 15m or 1h, got ${JSON.stringify(v)}`);
  const n = Number(m[1]) * (m[2] === 'h' ? 3600 : m[2] === 'm' ? 60 : 1);
  if (!(n > 0)) throw new UsageError('--duration must be positive');
  return n;
}

function configs(v: string): StressConfig[] {
  if (v === 'all') return [...CONFIGS];
  const names = v.split(',').map((s) => s.trim());
  return names.map((name) => {
    const c = configByName(name);
    if (c === undefined) throw new UsageError(`unknown config ${JSON.stringify(name)} (known: ${CONFIGS.map((x) => x.name).join(', ')}, all)`);
    return c;
  });
}

/** Parses argv (without node and the script). `clockSeed` is the default seed. */
export function parseStressArgs(argv: readonly string[], clockSeed: number): StressArgs {
  const values = new Map<string, string>();
  let help = false;
  let trace = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new UsageError(`unexpected argument ${JSON.stringify(a)}`);
    const eq = a.indexOf('=');
    const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
    if (name === 'help' || name === 'trace') {
      if (eq >= 0) throw new UsageError(`option --${name} takes no value`);
      if (name === 'help') help = true;
      else trace = true;
      continue;
    }
    if (!VALUED.has(name)) throw new UsageError(`unknown option --${name}`);
    const v = eq >= 0 ? a.slice(eq + 1) : argv[++i];
    if (v === undefined || v === '') throw new UsageError(`option --${name} needs a value`);
    if (values.has(name)) throw new UsageError(`option --${name} given twice`);
    values.set(name, v);
  }
  const get = (n: string): string | undefined => values.get(n);
  return {
    seed: get('seed') === undefined ? clockSeed : integer('seed', get('seed')!, 0, 2 ** 52),
    ops: get('ops') === undefined ? 2000 : integer('ops', get('ops')!, 1, 10_000_000),
    durationSeconds: get('duration') === undefined ? undefined : duration(get('duration')!),
    crashEvery: get('crash-every') === undefined ? 200 : integer('crash-every', get('crash-every')!, 0),
    configs: configs(get('config') ?? 'all'),
    trace,
    help,
  };
}
