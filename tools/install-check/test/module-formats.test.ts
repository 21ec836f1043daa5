// Every library, installed from its tarball (test/global-setup.ts), loads with `import` and
// with `require` and does the same in both: a store on the real disk (with its job worker)
// and a store crashed on a CrashFs over a MemFs, with the same exports. And TypeScript
// users of both kinds type-check against the packages' declarations.

import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { LIBRARIES, fixture, run } from './project.js';

const root = inject('root');
const app = inject('app');

interface Consumed {
  exports: Record<string, string[]>;
  store: { value: string | null; tables: number; jobs: string; jobsOnWorker: number };
  crash: { kept: string | null; lost: string | null };
}

/** Runs a consumer program in the project; returns what it printed. */
function consume(program: string, dir: string): Consumed {
  const r = run(app, process.execPath, program, join(root, dir));
  expect(r.status, r.stderr).toBe(0);
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as Consumed;
}

describe('the installed packages as ES modules and as CommonJS', () => {
  it('load with import and with require, and work the same in both', () => {
    for (const file of ['consumer.mjs', 'consumer.cjs', 'consumer-body.cjs']) copyFileSync(fixture(file), join(app, file));
    const esm = consume('consumer.mjs', 'db-esm');
    const cjs = consume('consumer.cjs', 'db-cjs');

    expect(Object.keys(esm.exports).sort()).toEqual(LIBRARIES.map((name) => `@lsm/${name}`).sort());
    for (const names of Object.values(esm.exports)) expect(names.length).toBeGreaterThan(0);
    expect(cjs.exports).toEqual(esm.exports);

    expect(esm.store).toMatchObject({ value: 'value 42', jobs: 'worker' });
    expect(esm.store.tables).toBeGreaterThan(0);
    expect(esm.store.jobsOnWorker).toBeGreaterThan(0);
    expect(cjs.store).toEqual(esm.store);

    expect(esm.crash).toEqual({ kept: 'synced', lost: null });
    expect(cjs.crash).toEqual(esm.crash);
  });

  it('type-check in TypeScript: ES module and CommonJS consumers (nodenext), CommonJS with node10 resolution', () => {
    const dir = join(app, 'typescript');
    mkdirSync(dir);
    copyFileSync(fixture('typescript/consumer.ts'), join(dir, 'consumer.mts'));
    copyFileSync(fixture('typescript/consumer.ts'), join(dir, 'consumer.cts'));
    for (const config of ['tsconfig.json', 'tsconfig.node10.json']) copyFileSync(fixture(`typescript/${config}`), join(dir, config));
    const tsc = join(app, 'node_modules', 'typescript', 'bin', 'tsc');

    const nodenext = run(dir, process.execPath, tsc, '-p', 'tsconfig.json', '--listFiles');
    expect(nodenext.status, nodenext.stdout).toBe(0);
    // Each format found its own declarations.
    expect(nodenext.stdout).toMatch(/@lsm\/engine\/dist\/index\.d\.ts$/m);
    expect(nodenext.stdout).toMatch(/@lsm\/engine\/dist\/cjs\/index\.d\.ts$/m);

    const node10 = run(dir, process.execPath, tsc, '-p', 'tsconfig.node10.json');
    expect(node10.status, node10.stdout).toBe(0);
  });
});
