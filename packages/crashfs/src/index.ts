// Public entry of @lsm/crashfs: CrashFs (the power-loss simulator), crashTest (the crash-point
// explorer), and the node:fs-shaped facade that lets code written against node's fs API
// (sync, callback, promises) run on any Fs, with the ways to put it under a library.

export { CrashFs, type CrashFsOptions, type UnsyncedState } from './crash-fs.js';
export {
  type NodeFsFacade,
  type WriteFileOptions,
  type FacadeStats,
  type FacadeDirent,
  type FacadeOpenFlags,
} from './node-fs-facade.js';
export { createNodeFsFacade, type NodeFsModule } from './node-fs-module.js';
export type { NodeFsCallbacks, CallbackForm, FsCallback } from './facade-callbacks.js';
export type { NodeFsPromises, FacadeFileHandle } from './facade-promises.js';
export type { FacadeReadStream, FacadeWriteStream, FacadeReadStreamOptions, FacadeWriteStreamOptions } from './facade-streams.js';
export { mountedFs, mountFs, nodeFsMock, nodeFsPromisesMock } from './facade-mount.js';
export { hookRequire, type RequireHookOptions } from './require-hook.js';
export { crashTest, type CrashTestOptions, type CrashTestReport, type CrashFailure } from './crash-test.js';
export { formatCrashReport } from './crash-report.js';
