// The README of every library, as installed from its tarball (test/global-setup.ts),
// starts with its install line and a runnable example: the first code block is the
// `npm install` line, the second the example, JavaScript as an ES module, both before the
// first section heading. The example runs here against the installed packages, in a
// directory of its own, and must exit cleanly; when a `text` block follows it, that is
// what it must print. So the READMEs cannot rot.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { LIBRARIES, run } from './project.js';

const app = inject('app');

/** The README's fenced code blocks, in order: language, body, where each starts and ends. */
function codeBlocks(readme: string): { lang: string; body: string; start: number; end: number }[] {
  return [...readme.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1]!, body: m[2]!, start: m.index, end: m.index + m[0].length }));
}

describe('the README of each library', () => {
  it.each(LIBRARIES)('@lsm/%s starts with its install line and an example that runs', (name) => {
    const readme = readFileSync(join(app, 'node_modules', '@lsm', name, 'README.md'), 'utf8');
    const [install, example, next] = codeBlocks(readme);
    expect(install?.lang).toBe('sh');
    expect(install?.body).toMatch(new RegExp(`^npm install (--save-dev )?@lsm/${name}$`, 'm'));
    expect(example?.lang).toBe('js');
    const firstHeading = readme.search(/^## /m);
    if (firstHeading >= 0) expect(example!.end).toBeLessThan(firstHeading);

    const dir = join(app, 'readme', name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'example.mjs'), example!.body);
    const r = run(dir, process.execPath, 'example.mjs');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).not.toBe('');
    if (next?.lang === 'text' && readme.slice(example!.end, next.start).trim() === '') expect(r.stdout).toBe(next.body);
  });
});
