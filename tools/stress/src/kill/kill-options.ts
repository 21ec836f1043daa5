// The store configurations of SIGKILL runs: small memtables and tables, so that flushes
// and compactions run on the worker threads all the time and a kill lands inside them.

import { Leveled } from '@lsm/compaction';
import type { TreeOptions } from '@lsm/engine';

/** What the parent tells a child. */
export interface KillChildArgs {
  dir: string;
  seed: number;
  config: KillConfig;
  /** Writes before the child stops by itself (it is normally killed first). */
  limit: number;
}

export const KILL_CONFIGS = ['bg1', 'bg2', 'bg2-zstd-encrypted', 'bg2-kvsep'] as const;
export type KillConfig = (typeof KILL_CONFIGS)[number];

/** The options of a config (without the Fs: the child opens a NodeFs). */
export function killStoreOptions(config: KillConfig): TreeOptions {
  const base: TreeOptions = {
    memtableBytes: 64 * 1024,
    blockSize: 1024,
    backgroundThreads: config === 'bg1' ? 1 : 2,
    compaction: new Leveled({ l0CompactionTrigger: 2, l0StallFiles: 12, levelBaseBytes: 256 * 1024, levelMultiplier: 4, targetTableSize: 64 * 1024 }),
  };
  if (config === 'bg2-zstd-encrypted') return { ...base, compression: 'zstd', encryption: { key: new Uint8Array(32).fill(0x3c) } };
  if (config === 'bg2-kvsep') return { ...base, kvSeparation: { minValueSize: 200, blobFileBytes: 64 * 1024, gcRatio: 0.3 } };
  return base;
}
