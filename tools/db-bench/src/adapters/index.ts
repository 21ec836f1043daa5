// The engine registry: engine name -> adapter factory. Peers are loaded on demand (they are
// devDependencies), so a run that does not ask for one does not need it installed.

import type { EngineName } from '../args.js';
import type { AdapterFactory } from './adapter.js';
import { createClassicLevel } from './classic-level.js';
import { createLmdb } from './lmdb.js';
import { createLsm, createLsmKvSep } from './lsm.js';
import { createRocksDb } from './rocksdb.js';

/** The factory of every engine. */
export const ADAPTERS: Record<EngineName, AdapterFactory> = {
  lsm: createLsm,
  'lsm-kvsep': createLsmKvSep,
  'classic-level': createClassicLevel,
  rocksdb: createRocksDb,
  lmdb: createLmdb,
};

/** Short display names for tables and charts. */
export const ENGINE_TITLES: Record<EngineName, string> = {
  lsm: '@lsm/engine',
  'lsm-kvsep': '@lsm/engine kvsep',
  'classic-level': 'LevelDB',
  rocksdb: 'RocksDB',
  lmdb: 'LMDB',
};
