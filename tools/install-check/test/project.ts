// What the install check's tests share: packing the workspace's publishable packages as
// they would be published, writing and installing a fresh project outside the workspace,
// and running commands there in the environment of a user's shell.

import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const workspace = fileURLToPath(new URL('../../..', import.meta.url));
export const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

/** The library packages: each must load with import and with require. */
export const LIBRARIES = ['fs', 'crashfs', 'base', 'encryption', 'zstd', 'zstd-dictionary', 'filter-burr', 'sstable', 'compaction', 'engine', 'level'];

/**
 * The environment of a user's shell: none of the npm_config_* that the running pnpm passes
 * down, and no NODE_PATH (pnpm's shims point it into this workspace's node_modules).
 */
export function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(npm_|pnpm_|LSM_ZSTD$|NODE_PATH$|NODE_OPTIONS$)/i.test(k)) env[k] = v;
  return env;
}

export function pnpm(cwd: string, ...args: string[]): string {
  return execFileSync('npx', ['-y', 'pnpm@10.34.8', ...args], { cwd, env: userEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs `command` in `cwd` as a user would; returns its exit status and output. */
export function run(cwd: string, command: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(command, args, { cwd, env: userEnv(), encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Packs every package of the workspace that is not private into `dir`; returns name -> file: spec. */
export function packTarballs(dir: string): Record<string, string> {
  const publishable: string[] = [];
  for (const group of ['packages', 'tools']) {
    for (const entry of readdirSync(join(workspace, group))) {
      const manifest = JSON.parse(readFileSync(join(workspace, group, entry, 'package.json'), 'utf8')) as { name: string; private?: boolean };
      if (manifest.private !== true) publishable.push(manifest.name);
    }
  }
  pnpm(workspace, ...publishable.flatMap((name) => ['--filter', name]), 'pack', '--pack-destination', dir);
  const deps: Record<string, string> = {};
  for (const file of readdirSync(dir)) {
    const name = /^lsm-(.+)-\d+\.\d+\.\d+\.tgz$/.exec(file);
    if (name !== null) deps[`@lsm/${name[1]}`] = `file:${join(dir, file)}`;
  }
  return deps;
}

/** The workspace's own TypeScript and node types, for the type check of the consumers. */
function typescriptDevDependencies(): Record<string, string> {
  const root = JSON.parse(readFileSync(join(workspace, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
  return { typescript: root.devDependencies['typescript']!, '@types/node': root.devDependencies['@types/node']! };
}

/**
 * The fresh project's package.json (pnpm): every @lsm package from its tarball, also where
 * another one depends on it, and TypeScript for the type check.
 */
export function writePnpmProject(app: string, deps: Record<string, string>, onlyBuiltDependencies: string[]): void {
  const pnpmField = { overrides: deps, ...(onlyBuiltDependencies.length > 0 ? { onlyBuiltDependencies } : {}) };
  const manifest = { name: 'fresh-app', private: true, type: 'module', dependencies: deps, devDependencies: typescriptDevDependencies(), pnpm: pnpmField };
  writeFileSync(join(app, 'package.json'), JSON.stringify(manifest, null, 2));
}
