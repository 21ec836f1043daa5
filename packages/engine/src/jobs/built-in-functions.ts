// The user functions a worker can load by name: the built-in merge operators. A store
// whose merge operator is one of them can run compactions on a worker; any other merge
// operator (or a compaction filter, or a custom comparator) keeps them on the caller's
// thread.

import { type MergeOperator, appendWithSeparator, counterAdd } from '@lsm/compaction';

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
