// The user functions a worker can load by name: the built-in merge operators and prefix
// extractors. A store whose merge operator is one of them can run compactions on a
// worker; any other merge operator (or a compaction filter, or a custom comparator)
// keeps them on the caller's thread, and any other prefix extractor keeps every job
// there. A prefix extractor counts as built-in only when fixedPrefixExtractor (this
// package's) made it: an object that merely takes a built-in's name is custom.

import { type MergeOperator, appendWithSeparator, counterAdd } from '@lsm/compaction';
import { type PrefixExtractor, fixedPrefixExtractor as sstableFixedPrefixExtractor } from '@lsm/sstable';

const APPEND = /^lsm\.append\(sep=([0-9a-f]*)\)$/;

/** Whether a worker can load the merge operator of this name. */
export function isBuiltInMergeOperator(name: string): boolean {
  return name === counterAdd.name || APPEND.test(name);
}

/** The built-in merge operator of that name (undefined for no name); throws for another name. */
export function builtInMergeOperator(name: string | undefined): MergeOperator | undefined {
  if (name === undefined) return undefined;
  if (name === counterAdd.name) return counterAdd;
  const m = APPEND.exec(name);
  if (m !== null) return appendWithSeparator(Buffer.from(m[1]!, 'hex'));
  throw new Error(`merge operator ${name} is not a built-in`);
}

const FIXED = /^lsm\.fixed:([0-9]+)$/;
const builtInExtractors = new WeakSet<PrefixExtractor>();

/**
 * The prefix extractor that maps a key to its first `n` bytes (keys shorter than `n` have
 * no prefix), for the prefixExtractor option. Named `lsm.fixed:<n>`; a worker thread can
 * load it. `n` must be an integer in [1, 65535] (else LSM_INVALID_ARGUMENT).
 */
export function fixedPrefixExtractor(n: number): PrefixExtractor {
  const e = sstableFixedPrefixExtractor(n);
  builtInExtractors.add(e);
  return e;
}

/** Whether a worker can load this prefix extractor (fixedPrefixExtractor made it). */
export function isBuiltInPrefixExtractor(e: PrefixExtractor): boolean {
  return builtInExtractors.has(e) && FIXED.test(e.name);
}

/** The built-in prefix extractor of that name (undefined for no name); throws for another name. */
export function builtInPrefixExtractor(name: string | undefined): PrefixExtractor | undefined {
  if (name === undefined) return undefined;
  const m = FIXED.exec(name);
  if (m === null) throw new Error(`prefix extractor ${name} is not a built-in`);
  return sstableFixedPrefixExtractor(Number(m[1]));
}
