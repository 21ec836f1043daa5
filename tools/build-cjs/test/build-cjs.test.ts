// build-cjs on a small package in a temp directory: the CommonJS output loads with
// require, a .cjs.ts twin replaces its module, declarations and source maps land beside
// the output, and a module that a CommonJS build cannot hold (import.meta, a top-level
// await, a twin without its module) fails the build with the file and line.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const tool = fileURLToPath(new URL('../build-cjs.mjs', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'build-cjs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A package directory holding `files` (paths relative to it). */
function pkg(name: string, files: Record<string, string>): string {
  const dir = join(root, name);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

function run(dir: string): { status: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [tool], { cwd: dir, encoding: 'utf8' });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

describe('build-cjs', () => {
  it('writes a CommonJS build that require loads, with the twin in place of its module', () => {
    const dir = pkg('good', {
      'src/index.ts': "import { where } from './nested/where.js';\nexport const answer = (): string => `42 from ${where}`;\n",
      'src/nested/where.ts': "export const where: string = import.meta.url.endsWith('where.js') ? 'esm' : 'elsewhere';\n",
      'src/nested/where.cjs.ts': "import { basename } from 'node:path';\nexport const where: string = `cjs ${basename(__filename)}`;\n",
      'dist/index.d.ts': 'export declare const answer: () => string;\n//# sourceMappingURL=index.d.ts.map\n',
      'dist/nested/where.d.ts': 'export declare const where: string;\n//# sourceMappingURL=where.d.ts.map\n',
    });
    const r = run(dir);
    expect(r.status, r.err).toBe(0);
    expect(r.out).toContain('2 modules (1 from .cjs.ts twins) and 2 declaration files');

    const mod = createRequire(import.meta.url)(join(dir, 'dist/cjs/index.js')) as { answer(): string };
    expect(mod.answer()).toBe('42 from cjs where.js');
    expect(JSON.parse(readFileSync(join(dir, 'dist/cjs/package.json'), 'utf8'))).toEqual({ type: 'commonjs' });
    expect(readFileSync(join(dir, 'dist/cjs/nested/where.d.ts'), 'utf8')).toBe('export declare const where: string;\n');
    const map = JSON.parse(readFileSync(join(dir, 'dist/cjs/nested/where.js.map'), 'utf8')) as { file: string; sources: string[] };
    expect(map).toMatchObject({ file: 'where.js', sources: ['../../../src/nested/where.cjs.ts'] });
    expect(readFileSync(join(dir, 'dist/cjs/nested/where.js'), 'utf8')).toMatch(/\/\/# sourceMappingURL=where\.js\.map\n$/);
  });

  it('starts from an empty dist/cjs: nothing of an earlier build stays', () => {
    const dir = pkg('rebuilt', { 'src/a.ts': 'export const a = 1;\n', 'dist/a.d.ts': 'export declare const a = 1;\n', 'dist/cjs/gone.js': 'old\n' });
    expect(run(dir).status).toBe(0);
    expect(existsSync(join(dir, 'dist/cjs/gone.js'))).toBe(false);
    expect(existsSync(join(dir, 'dist/cjs/a.js'))).toBe(true);
  });

  it('refuses import.meta, a top-level await and a twin without its module, naming each line', () => {
    const dir = pkg('bad', {
      'src/url.ts': "// a comment about import.meta is fine\nexport const u = import.meta.url;\n",
      'src/wait.ts': 'const f = async (): Promise<number> => await Promise.resolve(1);\nexport const v = await f();\n',
      'src/lonely.cjs.ts': 'export const x = 1;\n',
      'dist/url.d.ts': 'export declare const u: string;\n',
    });
    const r = run(dir);
    expect(r.status).toBe(1);
    expect(r.err).toContain('src/url.ts:2: import.meta');
    expect(r.err).toContain('src/wait.ts:2: top-level await');
    expect(r.err).not.toContain('src/wait.ts:1');
    expect(r.err).toContain('src/lonely.cjs.ts: a CommonJS twin without its lonely.ts');
    expect(existsSync(join(dir, 'dist/cjs/package.json'))).toBe(false);
  });
});
