// On a job worker: loads the user functions its store tagged with loadableOnWorker()
// (user-functions.ts) from their modules, and checks each before any job uses it: the
// export must exist, be an object of the same kind (a merge operator has merge(), a
// compaction filter filter(), a comparator compare(), a prefix extractor prefix()) and
// carry the name the store uses. A failure names the function, the module and the export;
// the worker then reports it instead of running jobs (job-worker.ts).

import type { Comparator } from '@lsm/base';
import type { CompactionFilter, MergeOperator } from '@lsm/compaction';
import type { PrefixExtractor } from '@lsm/sstable';
import { importModule } from './import-module.js';
import type { UserFunctionRole, WorkerFunctionRef } from './user-functions.js';

/** The functions a worker loaded, by role. */
export interface LoadedUserFunctions {
  mergeOperator?: MergeOperator;
  compactionFilter?: CompactionFilter;
  comparator?: Comparator;
  prefixExtractor?: PrefixExtractor;
}

const METHOD: Record<UserFunctionRole, string> = {
  mergeOperator: 'merge',
  compactionFilter: 'filter',
  comparator: 'compare',
  prefixExtractor: 'prefix',
};

const WHAT: Record<UserFunctionRole, string> = {
  mergeOperator: 'merge operator',
  compactionFilter: 'compaction filter',
  comparator: 'comparator',
  prefixExtractor: 'prefix extractor',
};

/** Loads every ref; rejects with an Error naming the first that cannot be used. */
export async function loadUserFunctions(refs: readonly WorkerFunctionRef[]): Promise<LoadedUserFunctions> {
  const out: LoadedUserFunctions = {};
  for (const ref of refs) {
    const what = `the ${WHAT[ref.role]} '${ref.name}' from ${ref.module} (export ${ref.exportName})`;
    let mod: Record<string, unknown>;
    try {
      mod = await importModule(ref.module);
    } catch (err) {
      throw new Error(`background worker could not load ${what}: ${err instanceof Error ? err.message : String(err)}`);
    }
    const f = mod[ref.exportName] as Record<string, unknown> | null | undefined;
    if (typeof f !== 'object' || f === null) throw new Error(`background worker could not load ${what}: the module has no such export object`);
    if (typeof f[METHOD[ref.role]] !== 'function') throw new Error(`background worker could not load ${what}: the export has no ${METHOD[ref.role]}() method`);
    if (f['name'] !== ref.name) throw new Error(`background worker could not load ${what}: the export is named ${JSON.stringify(f['name'])}, not '${ref.name}'`);
    (out as Record<string, unknown>)[ref.role] = f;
  }
  return out;
}
