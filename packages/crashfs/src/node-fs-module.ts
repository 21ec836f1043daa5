// createNodeFsFacade: the whole node:fs facade over any Fs, assembled from its forms: the
// sync calls, the callback calls, fs.promises (with FileHandle), the two streams and
// fs.constants. One facade has one descriptor table, shared by every form, so a descriptor
// from fs.open works with fs.writeSync and a FileHandle's fd with fs.fsync.

import { nodeFsConstants as fsConstants } from '@lsm/fs';
import type { Fs } from '@lsm/fs';
import { createCallbackForms, type NodeFsCallbacks } from './facade-callbacks.js';
import { createPromiseForms, type NodeFsPromises } from './facade-promises.js';
import { createStreamForms } from './facade-streams.js';
import { createSyncFacade, type NodeFsFacade } from './node-fs-facade.js';

/** The whole facade: what `createNodeFsFacade` returns and what a mocked `node:fs` exposes. */
export type NodeFsModule = NodeFsFacade &
  NodeFsCallbacks &
  ReturnType<typeof createStreamForms> & {
    /** fs.promises over the same descriptor table. */
    readonly promises: NodeFsPromises;
    /** node's fs.constants. */
    readonly constants: typeof fsConstants;
  };

/**
 * Returns node:fs-shaped functions over `fs` (a CrashFs, a MemFs, a NodeFs...): the sync,
 * callback and promise forms of open, read, write, fsync, fdatasync, close, rename, unlink,
 * mkdir, readdir, stat/lstat/fstat, ftruncate/truncate, appendFile, writeFile, readFile,
 * copyFile, rm, rmdir, access, exists, realpath, chmod and chown; createReadStream and
 * createWriteStream; constants. Descriptors are small integers never reused within one
 * facade. Errors are the Fs's FsError (node's `code`, `syscall`, `path`).
 */
export function createNodeFsFacade(fs: Fs): NodeFsModule {
  const sync = createSyncFacade(fs);
  return { ...sync, ...createCallbackForms(sync), ...createStreamForms(sync), promises: createPromiseForms(sync), constants: fsConstants };
}
