// The command line of db-bench: flags, their defaults and validation. Every bad command
// line is a UsageError with a message that names the flag; the CLI prints it with the usage
// text and exits with code 64 (EX_USAGE).
//
// Promises: parseArgs never reads the environment or the disk (resolving --out to an
// absolute path aside), so its result depends on argv and the given defaults only;
// `--quick` means exactly 100,000 keys, every workload, every engine, and refuses flags that
// would contradict it.

import { isAbsolute, resolve } from 'node:path';
import { MAX_KEY_SIZE, MIN_KEY_SIZE, type ValueDist } from './keys.js';

/** Thrown for a bad command line. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Exit code of a bad command line (sysexits EX_USAGE). */
export const EXIT_USAGE = 64;

/** The engines db-bench can drive, in the order they are reported. */
export const ENGINES = ['lsm', 'lsm-kvsep', 'classic-level', 'rocksdb', 'lmdb'] as const;
/** An engine name as given to --engines. */
export type EngineName = (typeof ENGINES)[number];

/** The workloads, in db_bench's order. */
export const WORKLOADS = [
  'fillseq',
  'fillrandom',
  'overwrite',
  'readrandom',
  'readmissing',
  'readseq',
  'readreverse',
  'seekrandom',
  'deleterandom',
  'readwhilewriting',
] as const;
/** A workload name as given to --workloads. */
export type WorkloadName = (typeof WORKLOADS)[number];

/** Largest value size accepted. */
const MAX_VALUE = 16 << 20;

/** Keys of the --quick pass. */
export const QUICK_NUM = 100_000;

/** Settings every child of a run gets (sent to worker.js as JSON). */
export interface RunSettings {
  num: number;
  /** Operations of the read workloads (readrandom, readmissing, seekrandom, readwhilewriting). */
  reads: number;
  keySize: number;
  valueDist: ValueDist;
  batch: number;
  compression: 'none' | 'zstd';
  seed: number;
  /** Bytes of the memtable / write buffer (lsm memtableBytes, LevelDB and RocksDB writeBufferSize). */
  writeBufferSize: number;
  /** Bytes of the block cache (lsm blockCacheBytes, LevelDB and RocksDB cacheSize). */
  cacheSize: number;
  /** Target data block size (lsm, LevelDB, RocksDB). */
  blockSize: number;
  /** Bits per key of @lsm/engine's filter; the peers' bindings fix a 10-bit Bloom filter. */
  bloomBits: number;
  /** lsm-kvsep only: values of at least this many bytes go to blob files (kvSeparation.minValueSize). */
  minValueSize: number;
  /**
   * 'shared' (default): every engine gets the sizes and compression above. 'own': every
   * engine opens with its own defaults (LevelDB and RocksDB compress with Snappy, ours
   * with its default); only durability stays alike (no fsync per write).
   */
  defaults: 'shared' | 'own';
  /**
   * Read workloads (readrandom, readmissing, readseq, readreverse, seekrandom) run once,
   * untimed, before the timed run in the same process: warm caches. Default false: cold,
   * right after the reopen.
   */
  warm: boolean;
}

/** Everything the CLI was asked to do. */
export interface CliOptions {
  settings: RunSettings;
  engines: EngineName[];
  workloads: WorkloadName[];
  quick: boolean;
  /** Where the JSON and SVG go. */
  out: string;
  /** Parent directory of the per-child store directories (a fresh temp dir if undefined). */
  db: string | undefined;
  /** Per-child timeout, milliseconds. */
  timeoutMs: number;
  /** Runs of every pair; the median run is reported. */
  repeat: number;
  /** CPU-profile the timed phase of every child and summarise the profiles. */
  cpuProf: boolean;
  help: boolean;
}

/** The usage text. */
export const USAGE = `usage: db-bench [options]
  --num N              keys to load / write (default 1,000,000)
  --reads N            operations of readrandom, readmissing, seekrandom, readwhilewriting (default: --num)
  --key-size B         key bytes, ${MIN_KEY_SIZE}..${MAX_KEY_SIZE} (default 16)
  --value-size B       value bytes (default 100)
  --value-dist D       fixed | uniform (value-size/2 .. value-size*3/2) | uniform:MIN,MAX (default fixed)
  --batch N            writes per batch, every engine (default 1000)
  --compression C      none | zstd (default none); LevelDB/RocksDB: snappy on for zstd; lmdb: none
  --defaults D         shared (default: every engine gets the sizes and compression given here)
                       | own (every engine opens with its own default options; no fsync per write for all)
  --write-buffer-size B  memtable / write buffer bytes, lsm + LevelDB + RocksDB (default 33554432)
  --cache-size B       block cache bytes, lsm + LevelDB + RocksDB (default 67108864)
  --block-size B       data block bytes, lsm + LevelDB + RocksDB (default 4096)
  --bloom-bits N       @lsm/engine filter bits per key, 0 = none (default 10, as the peers' fixed Bloom)
  --min-value-size B   lsm-kvsep (@lsm/engine with K/V separation) only: values of at least B bytes
                       go to blob files (default 4096)
  --engines LIST       comma list of ${ENGINES.join(', ')} (default all)
  --workloads LIST     comma list of ${WORKLOADS.join(', ')} (default all)
  --seed N             seed of every key and value stream (default 1)
  --quick              ${QUICK_NUM.toLocaleString('en-US')} keys, every workload, every engine
  --out DIR            where the JSON and SVG go (default tools/db-bench/results)
  --db DIR             where the stores are created (default: a fresh directory in the OS temp dir)
  --timeout SEC        per child process (default 900)
  --repeat N           run every pair N times (fresh process and directory each time, all pairs
                       once before any twice) and report the median run (default 1)
  --warm               read workloads run once untimed before the timed run (warm caches; default:
                       cold, right after the reopen)
  --cpu-prof           CPU-profile the timed phase of each child (.cpuprofile in --out); print top self time
  --help               this text`;

const VALUED = new Set([
  'num',
  'reads',
  'key-size',
  'value-size',
  'value-dist',
  'batch',
  'compression',
  'defaults',
  'write-buffer-size',
  'cache-size',
  'block-size',
  'bloom-bits',
  'min-value-size',
  'engines',
  'workloads',
  'seed',
  'out',
  'db',
  'timeout',
  'repeat',
]);
const FLAGS = new Set(['quick', 'cpu-prof', 'warm', 'help']);

/** Splits argv into a map of flags; rejects unknown, repeated and malformed ones. */
export function splitArgs(argv: readonly string[]): Map<string, string | true> {
  const options = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--') || a === '--') throw new UsageError(`unexpected argument ${JSON.stringify(a)}`);
    const eq = a.indexOf('=');
    const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
    if (options.has(name)) throw new UsageError(`option --${name} given twice`);
    if (VALUED.has(name)) {
      const value = eq >= 0 ? a.slice(eq + 1) : argv[++i];
      if (value === undefined || value === '' || (eq < 0 && value.startsWith('--'))) throw new UsageError(`option --${name} needs a value`);
      options.set(name, value);
    } else if (FLAGS.has(name)) {
      if (eq >= 0) throw new UsageError(`option --${name} takes no value`);
      options.set(name, true);
    } else {
      throw new UsageError(`unknown option --${name}`);
    }
  }
  return options;
}

function intFlag(opts: Map<string, string | true>, name: string, def: number, min: number, max: number): number {
  const v = opts.get(name);
  if (v === undefined) return def;
  const text = typeof v === 'string' ? v.replace(/_/g, '') : '';
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`option --${name} must be an integer in [${min.toLocaleString('en-US')}, ${max.toLocaleString('en-US')}], got ${String(v)}`);
  }
  return n;
}

function listFlag<T extends string>(opts: Map<string, string | true>, name: string, all: readonly T[]): T[] {
  const v = opts.get(name);
  if (v === undefined) return [...all];
  const items = String(v)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (items.length === 0) throw new UsageError(`option --${name} needs at least one name`);
  for (const it of items) {
    if (!(all as readonly string[]).includes(it)) throw new UsageError(`option --${name}: unknown name ${JSON.stringify(it)} (known: ${all.join(', ')})`);
  }
  // Report in the canonical order, each once.
  return all.filter((a) => items.includes(a));
}

function valueDist(opts: Map<string, string | true>, valueSize: number): ValueDist {
  const v = opts.get('value-dist');
  if (v === undefined || v === 'fixed') return { kind: 'fixed', size: valueSize };
  if (v === 'uniform') {
    const min = Math.max(1, Math.floor(valueSize / 2));
    return { kind: 'uniform', min, max: Math.max(min, Math.floor((valueSize * 3) / 2)) };
  }
  const m = /^uniform(?::|\[)(\d+),(\d+)\]?$/.exec(String(v));
  if (m === null) throw new UsageError(`option --value-dist must be fixed, uniform or uniform:MIN,MAX, got ${String(v)}`);
  if (opts.has('value-size')) throw new UsageError('give --value-size or --value-dist uniform:MIN,MAX, not both');
  const min = Number(m[1]);
  const max = Number(m[2]);
  if (min < 1 || max < min || max > MAX_VALUE) throw new UsageError(`option --value-dist needs 1 <= MIN <= MAX <= ${MAX_VALUE}, got ${String(v)}`);
  return { kind: 'uniform', min, max };
}


/**
 * Parses and validates a command line. `defaultOut` is the results directory used when
 * --out is absent. Throws UsageError for anything wrong.
 */
export function parseArgs(argv: readonly string[], defaultOut: string): CliOptions {
  const o = splitArgs(argv);
  const quick = o.has('quick');
  if (quick) {
    for (const f of ['num', 'reads', 'engines', 'workloads']) {
      if (o.has(f)) throw new UsageError(`--quick means ${QUICK_NUM.toLocaleString('en-US')} keys, every workload and every engine: drop --${f}, or drop --quick`);
    }
  }
  const num = quick ? QUICK_NUM : intFlag(o, 'num', 1_000_000, 1, 100_000_000);
  const valueSize = intFlag(o, 'value-size', 100, 1, MAX_VALUE);
  const timeoutSec = o.get('timeout');
  let timeoutMs = 900_000;
  if (timeoutSec !== undefined) {
    const t = typeof timeoutSec === 'string' && /^\d+(\.\d+)?$/.test(timeoutSec) ? Number(timeoutSec) : Number.NaN;
    if (!(t > 0 && t <= 86_400)) throw new UsageError(`option --timeout must be a number of seconds in (0, 86400], got ${String(timeoutSec)}`);
    timeoutMs = Math.round(t * 1000);
  }
  const compression = o.get('compression') ?? 'none';
  if (compression !== 'none' && compression !== 'zstd') throw new UsageError(`option --compression must be none or zstd, got ${String(compression)}`);
  const defaults = o.get('defaults') ?? 'shared';
  if (defaults !== 'shared' && defaults !== 'own') throw new UsageError(`option --defaults must be shared or own, got ${String(defaults)}`);
  if (defaults === 'own') {
    for (const f of ['compression', 'write-buffer-size', 'cache-size', 'block-size', 'bloom-bits']) {
      if (o.has(f)) throw new UsageError(`--defaults own opens every engine with its own defaults: drop --${f}, or use --defaults shared`);
    }
  }
  const out = o.get('out');
  const db = o.get('db');
  return {
    settings: {
      num,
      reads: intFlag(o, 'reads', num, 1, 100_000_000),
      keySize: intFlag(o, 'key-size', 16, MIN_KEY_SIZE, MAX_KEY_SIZE),
      valueDist: valueDist(o, valueSize),
      batch: intFlag(o, 'batch', 1000, 1, 1_000_000),
      compression,
      seed: intFlag(o, 'seed', 1, 0, 2 ** 32 - 1),
      writeBufferSize: intFlag(o, 'write-buffer-size', 32 << 20, 64 << 10, 2 ** 31 - 1),
      cacheSize: intFlag(o, 'cache-size', 64 << 20, 0, 2 ** 32 - 1),
      blockSize: intFlag(o, 'block-size', 4096, 256, 1 << 20),
      bloomBits: intFlag(o, 'bloom-bits', 10, 0, 64),
      minValueSize: intFlag(o, 'min-value-size', 4096, 1, 2 ** 31),
      defaults,
      warm: o.has('warm'),
    },
    engines: quick ? [...ENGINES] : listFlag(o, 'engines', ENGINES),
    workloads: quick ? [...WORKLOADS] : listFlag(o, 'workloads', WORKLOADS),
    quick,
    out: typeof out === 'string' ? (isAbsolute(out) ? out : resolve(out)) : defaultOut,
    db: typeof db === 'string' ? resolve(db) : undefined,
    timeoutMs,
    repeat: intFlag(o, 'repeat', 1, 1, 100),
    cpuProf: o.has('cpu-prof'),
    help: o.has('help'),
  };
}
