// Public entry of @lsm/fs: the Fs interface and its three backends.

export type { Fs, FsFile, Metadata, OpenOptions } from './types.js';
export { FsError, isFsErrorCode, type FsErrorCode } from './errors.js';
export { NodeFs, type NodeFsOptions } from './node-fs.js';
export { nodeFsConstants } from './node-fs-constants.js';
export { MemFs } from './mem-fs.js';
export { FaultFs, type Fault, type FaultOp, type FaultRule, type ArmedRule } from './fault-fs.js';
export { writeAll, writeAllAt, readExact, readFile, writeFile, writeFileAtomic, parentDir, joinPath } from './io-helpers.js';
