// A user's own functions on a worker thread: a merge operator, compaction filter,
// comparator or prefix extractor is a closure, which cannot cross to a worker, but the
// module that exports it can be loaded there. loadableOnWorker() tags the object with that
// module's URL and export name; the store sends the tags (never the function) to its
// workers, which import the module, take the export, check that it is the same kind of
// object with the same name, and use it. Untagged custom functions keep their jobs on the
// caller's thread (built-in-functions.ts says which). Promises: a tag is only ever an
// absolute file: URL and a non-empty export name; a module that fails to load, or whose
// export does not match, makes the store run its jobs on the caller's thread, with the
// reason in stats().jobs.workerProblem: never a wrong function on the worker.

import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InvalidArgumentError } from '@lsm/base';

/** Where a worker finds a function: `module` (an absolute file: URL) and its export. */
export interface WorkerModuleRef {
  readonly module: string;
  readonly exportName: string;
}

/** The kinds of user function a worker can load, as the store's options name them. */
export type UserFunctionRole = 'mergeOperator' | 'compactionFilter' | 'comparator' | 'prefixExtractor';

/** One function a worker must load: its role, its module, and the name it must carry. */
export interface WorkerFunctionRef extends WorkerModuleRef {
  readonly role: UserFunctionRole;
  readonly name: string;
}

const refs = new WeakMap<object, WorkerModuleRef>();

/**
 * Lets a store's worker threads run `fn` (a merge operator, compaction filter, comparator
 * or prefix extractor of your own) by loading it from `where.module`, export
 * `where.export`: the module must export that same object (the same `name`, the same
 * behaviour), for instance the file that defines it:
 *
 * ```js
 * // ops.js
 * export const maxOp = loadableOnWorker({ name: 'max', merge: ... }, { module: import.meta.url, export: 'maxOp' });
 * ```
 *
 * `module` is a `file:` URL (a string or URL) or an absolute path; a relative or bare
 * specifier is refused, since a worker would resolve it from the engine's own files
 * (pass `new URL('./ops.js', import.meta.url)` or `import.meta.resolve('pkg/ops')`).
 * Returns `fn` itself. Throws LSM_INVALID_ARGUMENT for anything else.
 */
export function loadableOnWorker<T extends object>(fn: T, where: { module: string | URL; export: string }): T {
  if (typeof fn !== 'object' || fn === null) throw new InvalidArgumentError('loadableOnWorker() takes an object (a merge operator, compaction filter, comparator or prefix extractor)');
  if (typeof where !== 'object' || where === null) throw new InvalidArgumentError('loadableOnWorker() needs { module, export }');
  const exportName = where.export;
  if (typeof exportName !== 'string' || exportName === '') throw new InvalidArgumentError('loadableOnWorker(): export must be a non-empty string (the name the module exports the function under)');
  refs.set(fn, { module: moduleUrl(where.module), exportName });
  return fn;
}

/** Where a worker can load `fn` from, if loadableOnWorker() tagged it. */
export function workerModuleOf(fn: object | undefined): WorkerModuleRef | undefined {
  return fn === undefined ? undefined : refs.get(fn);
}

/** `module` as an absolute file: URL; throws LSM_INVALID_ARGUMENT naming it otherwise. */
function moduleUrl(module: unknown): string {
  if (module instanceof URL) module = module.href;
  if (typeof module !== 'string' || module === '') throw new InvalidArgumentError('loadableOnWorker(): module must be a file: URL or an absolute path');
  if (module.startsWith('file:')) {
    try {
      return new URL(module).href;
    } catch {
      throw new InvalidArgumentError(`loadableOnWorker(): module ${JSON.stringify(module)} is not a valid file: URL`);
    }
  }
  if (isAbsolute(module)) return pathToFileURL(module).href;
  throw new InvalidArgumentError(
    `loadableOnWorker(): module ${JSON.stringify(module)} is neither a file: URL nor an absolute path; a worker would resolve it from the engine's own files ` +
      `(pass new URL('./file.js', import.meta.url), or import.meta.resolve() of a package)`,
  );
}
