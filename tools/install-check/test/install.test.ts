// @lsm/engine as a new user installs it (issue #23), in the project test/global-setup.ts
// installed from the packed tarballs with pnpm's default settings, which run no dependency
// build scripts, so zstd-napi's native binding is not built. A program there opens a store
// with zstd, a trained dictionary and K/V separation, writes and reads back 10,000 keys:
// on the WebAssembly fallback. Then the user's way to the fast path: zstd-napi allowed to
// build ("onlyBuiltDependencies") and `pnpm rebuild zstd-napi`, which compiles it (about
// 40 s: its prebuilt download is not reachable here, node-gyp builds it with the machine's
// C++ toolchain and node headers); the program reads the fallback's files and writes its
// own, natively; then the binding is removed again and the fallback reads those. A second
// test installs the same tarballs with `npm install --ignore-scripts` and runs the program
// on the fallback.

import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { fixture, pnpm, userEnv, writePnpmProject } from './project.js';

const root = inject('root');
const deps = inject('deps');

/** Runs the store program in `app` on the store in `db`; returns what it printed. */
function roundtrip(app: string, db: string, generation: string, check?: string): { zstd: string; backend: string; before: string; tables: number; blobFiles: number } {
  const args = [join(app, 'store-roundtrip.mjs'), db, generation, ...(check !== undefined ? [check] : [])];
  const out = execFileSync(process.execPath, args, { cwd: app, env: userEnv(), encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!);
}

describe('a fresh install of @lsm/engine', () => {
  it('works without the native zstd build, with it, and each reads the other', () => {
    const app = inject('app');
    const db = join(root, 'db');
    expect(Object.keys(deps)).toContain('@lsm/engine');
    expect(Object.keys(deps)).toContain('@lsm/zstd');
    copyFileSync(fixture('store-roundtrip.mjs'), join(app, 'store-roundtrip.mjs'));

    // pnpm's defaults ran no build script: zstd-napi is there, its binding is not.
    const zstdPkg = realpathSync(join(app, 'node_modules', '@lsm', 'zstd', 'package.json'));
    const napiDir = dirname(createRequire(zstdPkg).resolve('zstd-napi/package.json'));
    expect(napiDir.startsWith(app)).toBe(true);
    const binding = join(napiDir, 'build', 'Release', 'binding.node');
    expect(existsSync(binding)).toBe(false);

    const fallback = roundtrip(app, db, 'A');
    expect(fallback).toMatchObject({ zstd: 'wasm', backend: 'wasm' });
    expect(fallback.tables).toBeGreaterThan(0);
    expect(fallback.blobFiles).toBeGreaterThan(0);

    // The fast path as the README tells users to get it (what `pnpm approve-builds` writes).
    writePnpmProject(app, deps, ['zstd-napi']);
    pnpm(app, 'rebuild', 'zstd-napi', '--config.side-effects-cache=false');
    expect(existsSync(binding)).toBe(true);
    expect(roundtrip(app, db, 'B', 'A')).toMatchObject({ zstd: 'native', backend: 'native', before: 'native' });

    // Back to what the other tests expect: no binding.
    rmSync(join(napiDir, 'build'), { recursive: true });
    expect(roundtrip(app, db, 'C', 'B')).toMatchObject({ zstd: 'wasm', backend: 'wasm', before: 'wasm' });
  });

  it('installs with npm --ignore-scripts (no native build) and runs on the WebAssembly zstd', () => {
    const app = join(root, 'app-npm');
    mkdirSync(app);
    // npm's overrides point the packages' own @lsm dependencies at the tarballs too.
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'fresh-npm-app', private: true, type: 'module', dependencies: deps, overrides: deps }, null, 2));
    copyFileSync(fixture('store-roundtrip.mjs'), join(app, 'store-roundtrip.mjs'));
    execFileSync('npm', ['install', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: app, env: userEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(existsSync(join(app, 'node_modules', 'zstd-napi', 'build', 'Release', 'binding.node'))).toBe(false);
    const got = roundtrip(app, join(root, 'db-npm'), 'A');
    expect(got).toMatchObject({ zstd: 'wasm', backend: 'wasm' });
    expect(got.tables).toBeGreaterThan(0);
  });
});
