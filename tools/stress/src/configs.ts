// The option matrix. A config is a named choice of one value per dimension; a dimension is
// one thing the store (or the simulated disk) can be configured with. Every value of
// every dimension is used by at least one config, and `tiny` sizes make flushes,
// compactions, table-cache evictions and multi-fragment log records happen constantly.
//
// Adding an option when its feature lands (dictionary compression, encryption, size-tiered
// / FIFO compaction, ...) is one dimension entry (or one value in an existing dimension)
// plus the configs that use it. Nothing here is a placeholder: each value changes what the
// store or the disk does.

import { Fifo, Leveled, SizeTiered, type TreeOptions, appendWithSeparator, counterAdd } from '@lsm/engine';
import type { Fs } from '@lsm/fs';

/** How the simulated disk behaves at a crash (CrashFs options). */
export interface DiskModel {
  /** Directory entries need a directory fsync to be durable. */
  directorySync: boolean;
  /** A crash keeps a random prefix of each file's unsynced writes. */
  tornWrites: boolean;
}

/** Which merge operator the store has, and so how the oracle folds operands (merge-model.ts). */
export type MergeKind = 'append' | 'counter';

/** The separator of the `append` merge operator: short, and not a byte values avoid. */
export const APPEND_SEPARATOR = '|';

/** What a dimension value contributes: tree options and/or disk behaviour and/or the merge operator and/or FIFO's drops. */
interface Contribution {
  tree?: (o: TreeOptions) => void;
  disk?: (d: DiskModel) => void;
  merge?: MergeKind;
  /** The strategy drops the oldest tables (the oracle infers a watermark: fifo-floor.ts). */
  fifo?: boolean;
  /** Files are encrypted: no key or value may be found in them in plaintext (plaintext-check.ts). */
  encrypted?: boolean;
}

/** The key of the `encryption=aes` configs (any 32 bytes do; fixed so runs replay). */
const ENCRYPTION_KEY = new Uint8Array(32).map((_, i) => (i * 37 + 11) & 0xff);

/** Whether the size dimension chose `tiny` (the strategy dimension, applied after it, scales with it). */
const isTiny = (o: TreeOptions): boolean => (o.memtableBytes ?? Number.POSITIVE_INFINITY) <= 1024;

/**
 * K/V separation for the stress matrix: nearly every value (all but the shortest) goes to
 * a blob file, blob files are small (the 1 KiB minimum: a flush writes several), GC runs
 * once a quarter of a file is dead, and only 4 blob files stay open (the LRU evicts).
 */
function blobs(o: TreeOptions, compression: 'none' | 'zstd'): void {
  o.kvSeparation = { minValueSize: 24, blobFileBytes: 1024, gcRatio: 0.25, maxOpenFiles: 4, compression: compression === 'zstd' ? { type: 'zstd', level: 1 } : 'none' };
}

/** The dimensions of the matrix and their values. The first value of each is the baseline. */
export const DIMENSIONS = {
  compression: {
    none: { tree: (o) => void (o.compression = 'none') },
    zstd: { tree: (o) => void (o.compression = { type: 'zstd', level: 1 }) },
    /** zstd with a dictionary of at most 1 KiB trained per table on its first 8 KiB of data blocks (kept only when it pays; small so training stays cheap). */
    'zstd-dict': { tree: (o) => void (o.compression = { type: 'zstd', level: 1, dictionary: { maxBytes: 1024, sampleBytes: 8 * 1024 } }) },
  },
  /** Encryption at rest (AES-256-GCM of every table block, log record and manifest edit), with a fixed key. */
  encryption: {
    off: {},
    aes: { tree: (o) => void (o.encryption = { key: ENCRYPTION_KEY }), encrypted: true },
  },
  wal: {
    on: { tree: (o) => void (o.wal = true) },
    off: { tree: (o) => void (o.wal = false) },
  },
  syncWrites: {
    off: { tree: (o) => void (o.syncWrites = false) },
    on: { tree: (o) => void (o.syncWrites = true) },
  },
  /** Memtable, block, table and level sizes. */
  size: {
    small: {
      tree: (o) => {
        o.memtableBytes = 16 * 1024;
        o.blockSize = 512;
        o.compaction = new Leveled({ l0CompactionTrigger: 4, l0StallFiles: 12, levelBaseBytes: 64 * 1024, levelMultiplier: 4, targetTableSize: 16 * 1024 });
      },
    },
    tiny: {
      tree: (o) => {
        o.memtableBytes = 1024;
        o.blockSize = 64;
        o.compaction = new Leveled({ l0CompactionTrigger: 2, l0StallFiles: 6, levelBaseBytes: 4 * 1024, levelMultiplier: 3, targetTableSize: 2 * 1024 });
      },
    },
  },
  filter: {
    on: { tree: (o) => void (o.filter = { bitsPerKey: 10 }) },
    off: { tree: (o) => void (o.filter = false) },
  },
  blockCache: {
    on: { tree: (o) => void (o.blockCacheBytes = 256 * 1024) },
    off: { tree: (o) => void (o.blockCacheBytes = 0) },
  },
  /** Table files kept open: enough for every table, or `few`: 8, the minimum (the table cache evicts constantly). */
  openTables: {
    unbounded: { tree: (o) => void (o.maxOpenTables = 1_000_000) },
    few: { tree: (o) => void (o.maxOpenTables = 8) },
  },
  autoCompaction: {
    on: { tree: (o) => void (o.autoCompaction = true) },
    off: { tree: (o) => void (o.autoCompaction = false) },
  },
  /** The merge operator every store is opened with (merge ops need one). */
  merge: {
    append: { tree: (o) => void (o.mergeOperator = appendWithSeparator(APPEND_SEPARATOR)), merge: 'append' },
    counter: { tree: (o) => void (o.mergeOperator = counterAdd), merge: 'counter' },
  },
  /** K/V separation (blob files): off, on, on with zstd-compressed values. */
  kvSeparation: {
    off: {},
    blobs: { tree: (o) => blobs(o, 'none') },
    'blobs-zstd': { tree: (o) => blobs(o, 'zstd') },
  },
  /**
   * The compaction strategy: the size dimension's Leveled, or size-tiered (runs merged by
   * size ratio, size amplification and run count), or FIFO (never merges; drops the oldest
   * tables once the tree exceeds a byte budget: 8 KiB tiny, 96 KiB small, so drops happen
   * every few flushes). FIFO's TTL is not used: it reads the wall clock, and runs must
   * replay exactly.
   */
  strategy: {
    leveled: {},
    'size-tiered': {
      tree: (o) =>
        void (o.compaction = isTiny(o)
          ? new SizeTiered({ minMergeWidth: 2, maxMergeWidth: 6, maxRuns: 5, l0StallFiles: 12, maxSizeAmplificationPercent: 150, targetTableSize: 2 * 1024 })
          : new SizeTiered({ minMergeWidth: 3, maxMergeWidth: 8, maxRuns: 8, l0StallFiles: 16, targetTableSize: 16 * 1024 })),
    },
    fifo: { tree: (o) => void (o.compaction = new Fifo({ maxTotalBytes: isTiny(o) ? 8 * 1024 : 96 * 1024 })), fifo: true },
  },
  /** Change history kept for changesSince: none beyond what snapshots keep, or the last 40 seqnos (compaction keeps deletions that young). */
  history: {
    off: {},
    keep: { tree: (o) => void (o.keepHistorySeqnos = 40) },
  },
  /** The crash model: torn writes with directory durability, or the simple model. */
  disk: {
    'torn+dirsync': { disk: (d) => Object.assign(d, { directorySync: true, tornWrites: true }) },
    simple: { disk: (d) => Object.assign(d, { directorySync: false, tornWrites: false }) },
    torn: { disk: (d) => Object.assign(d, { directorySync: false, tornWrites: true }) },
  },
} satisfies Record<string, Record<string, Contribution>>;

/** A dimension's name. */
export type Dimension = keyof typeof DIMENSIONS;
/** A config's choices: one value per dimension (missing ones take the baseline, the first value). */
export type Picks = { [D in Dimension]?: keyof (typeof DIMENSIONS)[D] & string };

/** A named option set of the matrix. */
export interface StressConfig {
  readonly name: string;
  /** The value chosen for every dimension (baseline filled in). */
  readonly picks: { readonly [D in Dimension]: string };
  /** The disk model for CrashFs. */
  readonly disk: DiskModel;
  /** The store's merge operator (how the oracle folds, and what operands and values look like). */
  readonly merge: MergeKind;
  /** FIFO: the strategy drops whole tables, reads are checked against an inferred watermark. */
  readonly fifo: boolean;
  /** Encrypted at rest: the files must not hold keys or values in plaintext. */
  readonly encrypted: boolean;
  /** Tree options on `fs` (a fresh compaction strategy each call). */
  treeOptions(fs: Fs): TreeOptions;
}

function makeConfig(name: string, picks: Picks): StressConfig {
  const full = {} as Record<Dimension, string>;
  for (const dim of Object.keys(DIMENSIONS) as Dimension[]) {
    const values = DIMENSIONS[dim] as Record<string, Contribution>;
    const chosen = picks[dim] ?? Object.keys(values)[0]!;
    if (values[chosen] === undefined) throw new Error(`config ${name}: dimension ${dim} has no value ${chosen}`);
    full[dim] = chosen;
  }
  const contributions = (Object.keys(full) as Dimension[]).map((d) => (DIMENSIONS[d] as Record<string, Contribution>)[full[d]]!);
  const disk: DiskModel = { directorySync: true, tornWrites: true };
  for (const c of contributions) c.disk?.(disk);
  const merge = contributions.find((c) => c.merge !== undefined)?.merge ?? 'append';
  return {
    name,
    picks: full,
    disk,
    merge,
    fifo: contributions.some((c) => c.fifo === true),
    encrypted: contributions.some((c) => c.encrypted === true),
    treeOptions(fs: Fs): TreeOptions {
      const o: TreeOptions = { fs };
      for (const c of contributions) c.tree?.(o);
      return o;
    },
  };
}

/** Every config, in the order `--config all` and the CI pass run them. */
export const CONFIGS: readonly StressConfig[] = [
  makeConfig('baseline', {}),
  makeConfig('tiny', { size: 'tiny' }),
  makeConfig('zstd-tiny', { compression: 'zstd', size: 'tiny' }),
  makeConfig('no-wal', { wal: 'off' }),
  makeConfig('no-wal-tiny-zstd', { wal: 'off', size: 'tiny', compression: 'zstd' }),
  makeConfig('sync-writes-tiny', { syncWrites: 'on', size: 'tiny' }),
  makeConfig('no-filter-no-cache', { filter: 'off', blockCache: 'off', size: 'tiny' }),
  makeConfig('table-cache-8', { openTables: 'few', size: 'tiny' }),
  makeConfig('manual-compaction', { autoCompaction: 'off', size: 'tiny' }),
  makeConfig('simple-disk', { disk: 'simple', size: 'tiny', compression: 'zstd' }),
  makeConfig('torn-no-dirsync', { disk: 'torn', filter: 'off' }),
  makeConfig('kitchen-sink', { compression: 'zstd', syncWrites: 'on', size: 'tiny', filter: 'off', blockCache: 'off', autoCompaction: 'off' }),
  makeConfig('counter-tiny', { merge: 'counter', size: 'tiny', history: 'keep' }),
  makeConfig('kvsep', { kvSeparation: 'blobs' }),
  makeConfig('kvsep-tiny', { kvSeparation: 'blobs', size: 'tiny' }),
  makeConfig('kvsep-zstd-tiny', { kvSeparation: 'blobs-zstd', size: 'tiny', compression: 'zstd', openTables: 'few', merge: 'counter' }),
  makeConfig('size-tiered', { strategy: 'size-tiered' }),
  makeConfig('size-tiered-tiny-kvsep', { strategy: 'size-tiered', size: 'tiny', kvSeparation: 'blobs', history: 'keep' }),
  makeConfig('fifo', { strategy: 'fifo' }),
  makeConfig('fifo-tiny', { strategy: 'fifo', size: 'tiny', merge: 'counter', disk: 'torn' }),
  makeConfig('zstd-dict', { compression: 'zstd-dict' }),
  makeConfig('encrypted', { encryption: 'aes', disk: 'simple' }),
  makeConfig('encrypted-dict', { encryption: 'aes', compression: 'zstd-dict', strategy: 'size-tiered', openTables: 'few', syncWrites: 'on' }),
  makeConfig('encrypted-kvsep', { encryption: 'aes', kvSeparation: 'blobs-zstd', compression: 'zstd-dict', size: 'tiny' }),
];

/** The config named `name`, or undefined. */
export function configByName(name: string): StressConfig | undefined {
  return CONFIGS.find((c) => c.name === name);
}

/** "compression=zstd wal=on ..." for reports. */
export function describeConfig(c: StressConfig): string {
  return (Object.keys(c.picks) as Dimension[]).map((d) => `${d}=${c.picks[d]}`).join(' ');
}
