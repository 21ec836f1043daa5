// A user's own merge operator, compaction filter, comparator and prefix extractor on the
// worker thread (loadableOnWorker): the store's compactions run there with the function
// loaded from its module, and give what the same function gives inline; a module that
// cannot be loaded, or whose export does not match, makes the store run its jobs inline,
// with the reason in stats().jobs.workerProblem and nothing lost; bad tags are refused.
// Starts worker threads from the built dist/ (build the engine first).

import { NodeFs } from '@lsm/fs';
import { expectLsmError } from '@lsm/base/testing';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type MergeOperator, Tree, loadableOnWorker } from '../src/index.js';
import { keyOf } from './helpers.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

// The module a worker loads: plain objects, no import of the engine. The same source is
// evaluated here (the caller's copies) through a data: import of the same text.
const MODULE = `
export const maxOp = {
  name: 'test.max',
  merge(key, existing, operands) {
    let best = existing === undefined ? 0 : existing[0];
    for (const o of operands) if (o[0] > best) best = o[0];
    return new Uint8Array([best]);
  },
};
export const dropX = {
  name: 'test.dropX',
  filter(key, value) {
    return value.length > 0 && value[0] === 120 ? 'remove' : value[0] === 121 ? { change: new TextEncoder().encode('changed') } : 'keep';
  },
};
export const reversed = {
  name: 'test.reversed',
  compare(a, b) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) if (a[i] !== b[i]) return b[i] - a[i];
    return b.length - a.length;
  },
};
export const firstTwo = {
  name: 'test.firstTwo',
  prefix(key) {
    return key.length < 2 ? undefined : key.subarray(0, 2);
  },
};
export const misnamed = { name: 'test.other', merge: (k, e, ops) => ops[ops.length - 1] };
`;

let dir: string;
let moduleUrl: string;
let fns: { maxOp: MergeOperator; dropX: { name: string; filter: (k: Uint8Array, v: Uint8Array) => unknown }; reversed: { name: string; compare(a: Uint8Array, b: Uint8Array): number }; firstTwo: { name: string; prefix(k: Uint8Array): Uint8Array | undefined }; misnamed: MergeOperator };

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lsm-userfn-'));
  const file = join(dir, 'ops.mjs');
  writeFileSync(file, MODULE);
  moduleUrl = pathToFileURL(file).href;
  // Fresh objects per test: a tag belongs to one object.
  fns = (await import(`data:text/javascript,${encodeURIComponent(MODULE)}#${Math.random()}`)) as typeof fns;
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The largest operand merged into key k by the merge tests (operand i goes to key i % 200). */
function maxOf(k: number): number {
  let best = 0;
  for (let i = k; i < 10_000; i += 200) best = Math.max(best, (i * 7) % 251);
  return best;
}

/** compact(); once more if it fails (jobs sent before a worker reported it cannot load the functions fail once, then run inline). */
function compactRetryingOnce(tree: Tree): void {
  try {
    tree.compact();
  } catch {
    tree.compact();
  }
}

const open = (extra: object): Tree => Tree.open(join(dir, 'db'), { fs: new NodeFs({ root: dir }), memtableBytes: 16 * 1024, ...extra });

describe('user functions loaded on the worker (loadableOnWorker)', () => {
  it('a merge operator from a module: compactions run on the worker and fold operands as the caller would', () => {
    const op = loadableOnWorker(fns.maxOp, { module: moduleUrl, export: 'maxOp' });
    expect(op).toBe(fns.maxOp);
    const tree = open({ mergeOperator: op });
    for (let i = 0; i < 10_000; i++) tree.merge(keyOf(i % 200), new Uint8Array([(i * 7) % 251]));
    tree.compact();
    const s = tree.stats();
    expect(s.jobs.workerProblem).toBeUndefined();
    expect(s.jobs.inline).toBe(0);
    expect(s.compactions).toBeGreaterThan(0);
    expect(s.mergesCollapsed).toBeGreaterThan(0);
    for (let k = 0; k < 200; k++) expect(tree.get(keyOf(k)), `key ${k}`).toEqual(new Uint8Array([maxOf(k)]));
    tree.close();
  });

  it('a compaction filter from a module (an absolute path works too) removes and changes values on the worker', () => {
    const filter = loadableOnWorker(fns.dropX, { module: fileURLToPath(moduleUrl), export: 'dropX' });
    const tree = open({ compactionFilter: filter });
    for (let i = 0; i < 3000; i++) tree.put(keyOf(i), enc.encode(i % 3 === 0 ? `x${i}` : i % 3 === 1 ? `y${i}` : `z${i}`));
    tree.compact();
    const s = tree.stats();
    expect(s.jobs.workerProblem).toBeUndefined();
    expect(s.jobs.inline).toBe(0);
    expect(s.filterRemoved).toBe(1000);
    expect(s.filterChanged).toBe(1000);
    expect(tree.get(keyOf(3))).toBeUndefined();
    expect(dec.decode(tree.get(keyOf(4)))).toBe('changed');
    expect(dec.decode(tree.get(keyOf(5)))).toBe('z5');
    tree.close();
  });

  it('a comparator from a module: every job runs on the worker, and the store keeps its order across reopen', () => {
    const cmp = loadableOnWorker(fns.reversed, { module: new URL(moduleUrl), export: 'reversed' });
    let tree = open({ comparator: cmp });
    for (let i = 0; i < 5000; i++) tree.put(keyOf(i), enc.encode(`v${i}`));
    tree.compact();
    const s = tree.stats();
    expect(s.jobs.workerProblem).toBeUndefined();
    expect(s.jobs.runner).toBe('worker');
    expect(s.jobs.inline).toBe(0);
    expect(s.jobs.onWorker).toBeGreaterThan(1);
    tree.close();
    tree = open({ comparator: cmp });
    const keys = [...tree.range({ limit: 3 })].map(([k]) => dec.decode(k));
    expect(keys).toEqual([dec.decode(keyOf(4999)), dec.decode(keyOf(4998)), dec.decode(keyOf(4997))]);
    expect(dec.decode(tree.get(keyOf(1234)))).toBe('v1234');
    tree.close();
  });

  it('a prefix extractor from a module: jobs run on the worker and prefix scans see every key', () => {
    const px = loadableOnWorker(fns.firstTwo, { module: moduleUrl, export: 'firstTwo' });
    const tree = open({ prefixExtractor: px });
    for (let i = 0; i < 4000; i++) tree.put(`${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + ((i >> 5) % 26))}-${i}`, `v${i}`);
    tree.compact();
    const s = tree.stats();
    expect(s.jobs.workerProblem).toBeUndefined();
    expect(s.jobs.runner).toBe('worker');
    expect(s.jobs.inline).toBe(0);
    const got = [...tree.prefix('ab')].length;
    let want = 0;
    for (let i = 0; i < 4000; i++) if (i % 26 === 0 && (i >> 5) % 26 === 1) want++;
    expect(got).toBe(want);
    tree.close();
  });

  it('an export whose name differs from the store\'s function: the store runs its jobs inline, says why, and loses nothing', () => {
    const op = loadableOnWorker(fns.maxOp, { module: moduleUrl, export: 'misnamed' });
    const tree = open({ mergeOperator: op });
    for (let i = 0; i < 10_000; i++) tree.merge(keyOf(i % 200), new Uint8Array([(i * 7) % 251]));
    compactRetryingOnce(tree);
    const s = tree.stats();
    expect(s.jobs.runner).toBe('inline');
    expect(s.jobs.workerProblem).toMatch(/could not load the merge operator 'test\.max' from file:.*ops\.mjs \(export misnamed\): the export is named "test\.other", not 'test\.max'/);
    expect(s.jobs.inline).toBeGreaterThan(0);
    expect(s.jobs.backgroundError).toBeUndefined();
    for (let k = 0; k < 200; k += 13) expect(tree.get(keyOf(k))).toEqual(new Uint8Array([maxOf(k)]));
    tree.close();
  });

  it('a module that does not exist: jobs run inline and workerProblem names the module', () => {
    const missing = pathToFileURL(join(dir, 'nope.mjs')).href;
    const tree = open({ compactionFilter: loadableOnWorker(fns.dropX, { module: missing, export: 'dropX' }) });
    for (let i = 0; i < 3000; i++) tree.put(keyOf(i), enc.encode(`x${i}`));
    compactRetryingOnce(tree);
    const s = tree.stats();
    expect(s.jobs.runner).toBe('inline');
    expect(s.jobs.workerProblem).toContain(`could not load the compaction filter 'test.dropX' from ${missing} (export dropX)`);
    expect(tree.get(keyOf(3))).toBeUndefined(); // the filter ran inline
    tree.close();
  });

  it('refuses what a worker could not resolve, saying what was wrong: relative and bare specifiers, bad URLs, an empty or non-string export, a non-object', () => {
    const refused = (fn: () => unknown, message: string): void => {
      expect(expectLsmError(fn, 'LSM_INVALID_ARGUMENT').message).toBe(message);
    };
    const hint = "(pass new URL('./file.js', import.meta.url), or import.meta.resolve() of a package)";
    refused(() => loadableOnWorker(fns.maxOp, { module: './ops.mjs', export: 'maxOp' }), `loadableOnWorker(): module "./ops.mjs" is neither a file: URL nor an absolute path; a worker would resolve it from the engine's own files ${hint}`);
    refused(() => loadableOnWorker(fns.maxOp, { module: 'my-ops', export: 'maxOp' }), `loadableOnWorker(): module "my-ops" is neither a file: URL nor an absolute path; a worker would resolve it from the engine's own files ${hint}`);
    refused(() => loadableOnWorker(fns.maxOp, { module: 'file://[bad', export: 'maxOp' }), 'loadableOnWorker(): module "file://[bad" is not a valid file: URL');
    const noModule = 'loadableOnWorker(): module must be a file: URL or an absolute path';
    refused(() => loadableOnWorker(fns.maxOp, { module: '', export: 'maxOp' }), noModule);
    refused(() => loadableOnWorker(fns.maxOp, { module: 3 as unknown as string, export: 'maxOp' }), noModule);
    const badExport = 'loadableOnWorker(): export must be a non-empty string (the name the module exports the function under)';
    refused(() => loadableOnWorker(fns.maxOp, { module: moduleUrl, export: '' }), badExport);
    refused(() => loadableOnWorker(fns.maxOp, { module: moduleUrl, export: 3 as unknown as string }), badExport);
    const notObject = 'loadableOnWorker() takes an object (a merge operator, compaction filter, comparator or prefix extractor)';
    refused(() => loadableOnWorker(null as unknown as object, { module: moduleUrl, export: 'maxOp' }), notObject);
    refused(() => loadableOnWorker('maxOp' as unknown as object, { module: moduleUrl, export: 'maxOp' }), notObject);
    const noWhere = 'loadableOnWorker() needs { module, export }';
    refused(() => loadableOnWorker(fns.maxOp, undefined as unknown as { module: string; export: string }), noWhere);
    refused(() => loadableOnWorker(fns.maxOp, null as unknown as { module: string; export: string }), noWhere);
  });

  it('works from CommonJS too: the CommonJS job worker imports the ES module', () => {
    const cjs = fileURLToPath(new URL('../dist/cjs/index.js', import.meta.url));
    // @lsm/fs's CommonJS entry as this package resolves it (also inside a mutation sandbox).
    const fsCjs = createRequire(import.meta.url).resolve('@lsm/fs');
    const program = `
      const { Tree, loadableOnWorker } = require(${JSON.stringify(cjs)});
      const { NodeFs } = require(${JSON.stringify(fsCjs)});
      const op = loadableOnWorker({ name: 'test.max', merge(k, e, ops) { let b = e === undefined ? 0 : e[0]; for (const o of ops) if (o[0] > b) b = o[0]; return new Uint8Array([b]); } },
        { module: ${JSON.stringify(moduleUrl)}, export: 'maxOp' });
      const tree = Tree.open(${JSON.stringify(join(dir, 'cjsdb'))}, { fs: new NodeFs({ root: ${JSON.stringify(dir)} }), memtableBytes: 16 * 1024, mergeOperator: op });
      for (let i = 0; i < 5000; i++) tree.merge('k' + (i % 50), new Uint8Array([i % 200]));
      tree.compact();
      const s = tree.stats();
      console.log(JSON.stringify({ inline: s.jobs.inline, problem: s.jobs.workerProblem ?? null, collapsed: s.mergesCollapsed, v: tree.get('k7')[0] }));
      tree.close();
    `;
    const r = spawnSync(process.execPath, ['-e', program], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout.trim()) as { inline: number; problem: string | null; collapsed: number; v: number };
    expect(out).toMatchObject({ inline: 0, problem: null });
    expect(out.collapsed).toBeGreaterThan(0);
    expect(out.v).toBe(157);
  });
});
