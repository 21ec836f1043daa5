// The node:fs-shaped module to put in place of node:fs (vi.mock, or the require hook): a
// fixed object, so that code which keeps references to its functions at load time keeps
// working, whose every function forwards to the facade mounted at the time of the call.
// With nothing mounted every call throws FsError EACCES: it never reaches the real disk.

import { FsError, MemFs, type Fs } from '@lsm/fs';
import { createNodeFsFacade, type NodeFsModule } from './node-fs-module.js';

const mounted: NodeFsModule[] = [];

function active(what: string): NodeFsModule {
  const top = mounted[mounted.length - 1];
  if (top === undefined) {
    throw new FsError('EACCES', what, undefined, {
      detail: 'no Fs is mounted on the @lsm/crashfs node:fs module: call mountFs() or run inside crashTest(); refusing to reach the real disk',
    });
  }
  return top;
}

/** Copies the shape of `sample`, each function forwarding to the same place in the active facade. */
function forwarders<T extends object>(sample: T, pick: (m: NodeFsModule) => T, where: string): T {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(sample)) {
    if (typeof value === 'function') {
      const fn = (...args: unknown[]): unknown => (pick(active(`${where}${key}`)) as Record<string, (...a: unknown[]) => unknown>)[key]!(...args);
      const nested = value as unknown as Record<string, unknown>;
      out[key] = typeof nested.native === 'function' ? Object.assign(fn, { native: fn }) : fn;
    } else if (key !== 'promises') {
      out[key] = value;
    }
  }
  return out as T;
}

const sample = createNodeFsFacade(new MemFs());
const promises = forwarders(sample.promises, (m) => m.promises, 'promises.');

/**
 * The stand-in for node:fs: node's functions (sync, callback, promises, streams) and
 * constants, forwarding to the facade mounted with `mountFs` (crashTest mounts its own).
 * `mountedFs.promises` stands in for node:fs/promises. With nothing mounted, calls throw
 * FsError EACCES.
 */
export const mountedFs: NodeFsModule = { ...forwarders(sample, (m) => m, ''), promises };

/**
 * Makes `target` (an Fs, wrapped in a new facade, or a facade) what `mountedFs` forwards to,
 * until the returned function is called, which restores the previous mount. Mounts nest.
 */
export function mountFs(target: Fs | NodeFsModule): () => void {
  const facade = 'openSync' in target ? target : createNodeFsFacade(target);
  mounted.push(facade);
  let done = false;
  return () => {
    if (done) return;
    done = true;
    const i = mounted.lastIndexOf(facade);
    if (i >= 0) mounted.splice(i, 1);
  };
}

/** What a `vi.mock('node:fs')` (or `'fs'`) factory returns: `mountedFs` as an ES module namespace. */
export function nodeFsMock(): NodeFsModule & { default: NodeFsModule } {
  return { ...mountedFs, default: mountedFs };
}

/** What a `vi.mock('node:fs/promises')` (or `'fs/promises'`) factory returns. */
export function nodeFsPromisesMock(): NodeFsModule['promises'] & { default: NodeFsModule['promises'] } {
  return { ...mountedFs.promises, default: mountedFs.promises };
}
