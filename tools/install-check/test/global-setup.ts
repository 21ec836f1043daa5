// Once for all the install check's files: packs every publishable package with `pnpm pack`
// (as it would be published) and installs the tarballs into a fresh project in the system
// temp directory, outside the workspace, with pnpm's default settings (which run no
// dependency build scripts, so zstd-napi's native binding is not built). Installs prefer
// pnpm's store; the registry is only asked for what the store lacks.

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { packTarballs, pnpm, writePnpmProject } from './project.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The temp directory holding everything: removed at the end. */
    root: string;
    /** The installed project. */
    app: string;
    /** Package name -> file: spec of its tarball. */
    deps: Record<string, string>;
  }
}

export default function setup(project: TestProject): () => void {
  const root = mkdtempSync(join(tmpdir(), 'lsm-install-check-'));
  const tarballs = join(root, 'tarballs');
  mkdirSync(tarballs);
  const deps = packTarballs(tarballs);
  const app = join(root, 'app');
  mkdirSync(app);
  writePnpmProject(app, deps, []);
  // No side-effects cache: pnpm's store remembers the binding this workspace built, and
  // would hand it over, which no new user's machine would.
  pnpm(app, 'install', '--prefer-offline', '--no-frozen-lockfile', '--config.side-effects-cache=false', '--reporter=append-only');
  project.provide('root', root);
  project.provide('app', app);
  project.provide('deps', deps);
  return () => rmSync(root, { recursive: true, force: true });
}
