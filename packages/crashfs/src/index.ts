// Public entry of @lsm/crashfs: CrashFs (the power-loss simulator) and the node:fs-shaped
// facade that lets code written against node's synchronous fs API run on any Fs.

export { CrashFs, type CrashFsOptions, type UnsyncedState } from './crash-fs.js';
export {
  createNodeFsFacade,
  type NodeFsFacade,
  type FacadeStats,
  type FacadeDirent,
  type FacadeOpenFlags,
} from './node-fs-facade.js';
