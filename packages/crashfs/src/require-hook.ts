// The plain-Node way to put the facade under a CommonJS library: a patch of Module._load so
// that `require('fs')`, `require('node:fs')`, `require('fs/promises')` made by the files of
// the named packages get `mountedFs` (or its `promises`) instead. Only those packages are
// redirected; everything else in the process keeps the real node:fs. Works on Node 20.

import NodeModule from 'node:module';
import { FsError } from '@lsm/fs';
import { mountedFs } from './facade-mount.js';

type Load = (request: string, parent: { filename?: string | null } | null | undefined, isMain: boolean) => unknown;
interface ModuleStatics {
  _load: Load;
}

// The Module class itself (the default export, in ES modules and CommonJS alike): its _load is patchable.
const Module = NodeModule as unknown as ModuleStatics;

/** Options of `hookRequire`. */
export interface RequireHookOptions {
  /**
   * Names of the npm packages whose `require` calls are redirected (e.g. `['write-file-atomic']`):
   * a file is theirs when its path has `/node_modules/<name>/` in it.
   */
  packages: string[];
}

const REDIRECTS: Record<string, () => unknown> = {
  fs: () => mountedFs,
  'node:fs': () => mountedFs,
  'fs/promises': () => mountedFs.promises,
  'node:fs/promises': () => mountedFs.promises,
};

/**
 * Redirects node:fs for the CommonJS files of `packages` to `mountedFs` until the returned
 * function is called. Install it before the library is first required (a library already
 * loaded keeps the fs it got). Throws FsError EINVAL for an empty or malformed package list.
 */
export function hookRequire(options: RequireHookOptions): () => void {
  const names = options?.packages;
  if (!Array.isArray(names) || names.length === 0 || !names.every((n) => typeof n === 'string' && n.length > 0)) {
    throw new FsError('EINVAL', 'hookRequire', undefined, { detail: 'packages must be a non-empty array of package names' });
  }
  const markers = names.map((n) => `/node_modules/${n}/`);
  const original = Module._load;
  // Hooks stack; one unhooked while a later one still wraps it stays in the chain but only
  // passes calls through, so unhooking in any order ends exactly its own redirects.
  let active = true;
  const patched: Load = function (this: unknown, request, parent, isMain) {
    const redirect = active ? REDIRECTS[request] : undefined;
    const from = parent?.filename?.replaceAll('\\', '/');
    if (redirect !== undefined && from != null && markers.some((m) => from.includes(m))) return redirect();
    return original.call(this, request, parent, isMain);
  };
  Module._load = patched;
  return () => {
    active = false;
    if (Module._load === patched) Module._load = original;
  };
}
