// @lsm/engine as a new user installs it (issue #23). The engine and the packages it needs
// are packed with `pnpm pack` into tarballs, installed into a fresh project in the system
// temp directory (outside the workspace) by pnpm with its default settings, which run no
// dependency build scripts, so zstd-napi's native binding is not built. A program there
// opens a store with zstd, a trained dictionary and K/V separation, writes and reads back
// 10,000 keys: on the WebAssembly fallback. Then the user's way to the fast path: zstd-napi
// allowed to build ("onlyBuiltDependencies") and `pnpm rebuild zstd-napi`, which compiles
// it (about 40 s: its prebuilt download is not reachable here, node-gyp builds it with the
// machine's C++ toolchain and node headers); the program reads the fallback's files and
// writes its own, natively; then the binding is removed again and the fallback reads
// those. Installs prefer pnpm's store (offline); the registry is only asked for what the
// store lacks. A second test installs the same tarballs with `npm install --ignore-scripts`
// and runs the program on the fallback.

import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const workspace = fileURLToPath(new URL('../../..', import.meta.url));
const program = fileURLToPath(new URL('./fixtures/store-roundtrip.mjs', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'lsm-install-check-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/**
 * The environment of a user's shell: none of the npm_config_* that the running pnpm passes
 * down, and no NODE_PATH (pnpm's shims point it into this workspace's node_modules).
 */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(npm_|pnpm_|LSM_ZSTD$|NODE_PATH$|NODE_OPTIONS$)/i.test(k)) env[k] = v;
  return env;
}

/** The fresh project's package.json: every @lsm package from its tarball, also where another one depends on it. */
function writePackage(app: string, deps: Record<string, string>, onlyBuiltDependencies: string[]): void {
  const pnpmField = { overrides: deps, ...(onlyBuiltDependencies.length > 0 ? { onlyBuiltDependencies } : {}) };
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'fresh-app', private: true, type: 'module', dependencies: deps, pnpm: pnpmField }, null, 2));
}

function pnpm(cwd: string, ...args: string[]): string {
  return execFileSync('npx', ['-y', 'pnpm@10.34.8', ...args], { cwd, env: userEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Packs the engine and the @lsm packages it needs into `dir`; returns name -> file: spec. */
function packTarballs(dir: string): Record<string, string> {
  mkdirSync(dir);
  pnpm(workspace, '--filter-prod', '@lsm/engine...', 'pack', '--pack-destination', dir);
  const deps: Record<string, string> = {};
  for (const file of readdirSync(dir)) {
    const name = /^lsm-(.+)-\d+\.\d+\.\d+\.tgz$/.exec(file);
    if (name !== null) deps[`@lsm/${name[1]}`] = `file:${join(dir, file)}`;
  }
  return deps;
}

/** Runs the store program in the fresh project; returns what it printed. */
function roundtrip(app: string, generation: string, check?: string): { zstd: string; backend: string; before: string; tables: number; blobFiles: number } {
  const args = [join(app, 'store-roundtrip.mjs'), join(root, 'db'), generation, ...(check !== undefined ? [check] : [])];
  const out = execFileSync(process.execPath, args, { cwd: app, env: userEnv(), encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!);
}

describe('a fresh install of @lsm/engine', () => {
  it('works without the native zstd build, with it, and each reads the other', () => {
    const deps = packTarballs(join(root, 'tarballs'));
    expect(Object.keys(deps)).toContain('@lsm/engine');
    expect(Object.keys(deps)).toContain('@lsm/zstd');

    const app = join(root, 'app');
    mkdirSync(app);
    writePackage(app, deps, []);
    copyFileSync(program, join(app, 'store-roundtrip.mjs'));
    // No side-effects cache: pnpm's store remembers the binding this workspace built, and
    // would hand it over, which no new user's machine would.
    pnpm(app, 'install', '--prefer-offline', '--no-frozen-lockfile', '--config.side-effects-cache=false', '--reporter=append-only');

    // pnpm's defaults ran no build script: zstd-napi is there, its binding is not.
    const zstdPkg = realpathSync(join(app, 'node_modules', '@lsm', 'zstd', 'package.json'));
    const napiDir = dirname(createRequire(zstdPkg).resolve('zstd-napi/package.json'));
    expect(napiDir.startsWith(app)).toBe(true);
    const binding = join(napiDir, 'build', 'Release', 'binding.node');
    expect(existsSync(binding)).toBe(false);

    const fallback = roundtrip(app, 'A');
    expect(fallback).toMatchObject({ zstd: 'wasm', backend: 'wasm' });
    expect(fallback.tables).toBeGreaterThan(0);
    expect(fallback.blobFiles).toBeGreaterThan(0);

    // The fast path as the README tells users to get it (what `pnpm approve-builds` writes).
    writePackage(app, deps, ['zstd-napi']);
    pnpm(app, 'rebuild', 'zstd-napi', '--config.side-effects-cache=false');
    expect(existsSync(binding)).toBe(true);
    expect(roundtrip(app, 'B', 'A')).toMatchObject({ zstd: 'native', backend: 'native', before: 'native' });

    rmSync(join(napiDir, 'build'), { recursive: true });
    expect(roundtrip(app, 'C', 'B')).toMatchObject({ zstd: 'wasm', backend: 'wasm', before: 'wasm' });
  });

  it('installs with npm --ignore-scripts (no native build) and runs on the WebAssembly zstd', () => {
    const deps = packTarballs(join(root, 'tarballs-npm'));
    const app = join(root, 'app-npm');
    mkdirSync(app);
    // npm's overrides point the packages' own @lsm dependencies at the tarballs too.
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'fresh-npm-app', private: true, type: 'module', dependencies: deps, overrides: deps }, null, 2));
    copyFileSync(program, join(app, 'store-roundtrip.mjs'));
    execFileSync('npm', ['install', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: app, env: userEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(existsSync(join(app, 'node_modules', 'zstd-napi', 'build', 'Release', 'binding.node'))).toBe(false);
    const got = roundtrip(app, 'A');
    expect(got).toMatchObject({ zstd: 'wasm', backend: 'wasm' });
    expect(got.tables).toBeGreaterThan(0);
  });
});
