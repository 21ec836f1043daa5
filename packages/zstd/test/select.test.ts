// Choosing the backend, each case in a fresh node process (the choice is made once per
// thread): importing loads no native binding; the first use loads zstd-napi; a binding that
// cannot load (simulated as after an install without build scripts) falls back to
// WebAssembly and says why; LSM_ZSTD forces either, a bad value is LSM_INVALID_ARGUMENT,
// LSM_ZSTD=native without the binding is LSM_NOT_SUPPORTED saying what to install;
// setZstdBackend switches within a thread.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { setZstdBackend, zstd, zstdBackend, zstdBackendInUse } from '../src/index.js';

const entry = new URL('../dist/index.js', import.meta.url).href;
const noNative = fileURLToPath(new URL('./fixtures/no-native.cjs', import.meta.url));

/** Runs `body` (an async function body with `z` = @lsm/zstd) in a new node; returns what it printed as JSON. */
function child(body: string, env: Record<string, string> = {}, blockNative = false): unknown {
  const script = `const z = await import(${JSON.stringify(entry)});
const { createRequire } = await import('node:module');
const loadedNative = () => Object.keys(createRequire(import.meta.url).cache).some((k) => k.endsWith('.node'));
const out = await (async () => { ${body} })();
console.log(JSON.stringify(out));`;
  const env2: Record<string, string | undefined> = { ...process.env, ...env };
  if (!('LSM_ZSTD' in env)) delete env2['LSM_ZSTD'];
  const args = [...(blockNative ? ['--require', noNative] : []), '--input-type=module', '-e', script];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', env: env2 });
  if (r.status !== 0) throw new Error(`child failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

const errorOf = `(f) => { try { f(); return null; } catch (e) { return { code: e.code, message: e.message }; } }`;

describe('backend selection', () => {
  it('loads nothing at import; the first use loads the native binding', () => {
    expect(child(`const before = [z.zstdBackendInUse() ?? null, loadedNative()];
      return [before, z.zstdBackend(), z.zstdBackendInUse(), loadedNative()];`)).toEqual([[null, false], 'native', 'native', true]);
  });

  it('falls back to WebAssembly when the binding cannot load, and says why', () => {
    const r = child(`return [z.zstdBackend(), z.zstdNativeFailure()];`, {}, true) as [string, string];
    expect(r[0]).toBe('wasm');
    expect(r[1]).toMatch(/binding\.node/);
  });

  it('LSM_ZSTD forces a backend; a bad value is LSM_INVALID_ARGUMENT', () => {
    expect(child(`return [z.zstdBackend(), loadedNative()];`, { LSM_ZSTD: 'wasm' })).toEqual(['wasm', false]);
    expect(child(`return z.zstdBackend();`, { LSM_ZSTD: 'native' })).toBe('native');
    expect(child(`return z.zstdBackend();`, { LSM_ZSTD: 'auto' })).toBe('native');
    const bad = child(`return (${errorOf})(() => z.zstdBackend());`, { LSM_ZSTD: 'fast' }) as { code: string; message: string };
    expect(bad.code).toBe('LSM_INVALID_ARGUMENT');
    expect(bad.message).toMatch(/LSM_ZSTD/);
  });

  it('asking for native without the binding is LSM_NOT_SUPPORTED naming what to install', () => {
    const viaEnv = child(`return (${errorOf})(() => z.zstdBackend());`, { LSM_ZSTD: 'native' }, true) as { code: string; message: string };
    expect(viaEnv.code).toBe('LSM_NOT_SUPPORTED');
    expect(viaEnv.message).toMatch(/pnpm approve-builds/);
    expect(viaEnv.message).toMatch(/binding\.node/);
    const viaCall = child(`return (${errorOf})(() => z.setZstdBackend('native'));`, {}, true) as { code: string };
    expect(viaCall.code).toBe('LSM_NOT_SUPPORTED');
  });

  it('setZstdBackend switches this thread; contexts made before keep their backend', () => {
    setZstdBackend('wasm');
    expect(zstdBackend()).toBe('wasm');
    const before = zstd();
    setZstdBackend('native');
    expect(zstdBackendInUse()).toBe('native');
    expect(before.name).toBe('wasm');
    setZstdBackend('auto');
    expect(zstdBackendInUse()).toBeUndefined();
    expect(() => setZstdBackend('fast' as never)).toThrow(/setZstdBackend/);
  });
});
