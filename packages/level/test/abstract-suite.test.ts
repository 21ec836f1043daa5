// Runs abstract-level's own exported test suite (`abstract-level/test`, written for the
// tape harness) against LsmLevel on the real disk, inside vitest: tape runs
// programmatically in object mode, every assertion is collected, and the vitest test
// fails listing the failing assertions (with their tape test names). The suite also runs
// itself again on a sublevel.

import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tape from 'tape';
import { afterAll, expect, test } from 'vitest';
import { NodeFs } from '@lsm/fs';
import { LsmLevel } from '../src/index.js';

const require = createRequire(import.meta.url);
const suite = require('abstract-level/test') as (options: { test: unknown; factory: (options?: object) => unknown }) => void;

/** One row of tape's object stream (only the fields used here). */
interface TapeRow {
  type: 'test' | 'assert' | 'end';
  id?: number;
  test?: number;
  name?: string;
  ok?: boolean;
  skip?: boolean;
  todo?: boolean;
  operator?: string;
  actual?: unknown;
  expected?: unknown;
  error?: unknown;
}

const root = mkdtempSync(join(tmpdir(), 'lsm-level-suite-'));
const fs = new NodeFs({ root }); // every store of the suite stays inside the root
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Runs the whole suite; resolves with the counts and the failing assertions. */
function runSuite(): Promise<{ tests: number; asserts: number; passed: number; failures: string[] }> {
  let n = 0;
  const harness = tape.createHarness();
  return new Promise((resolve, reject) => {
    const names = new Map<number, string>();
    let tests = 0;
    let asserts = 0;
    let passed = 0;
    const failures: string[] = [];
    // The object stream reports only tests registered after it exists: create it first.
    const stream = harness.createStream({ objectMode: true });
    stream.on('data', (row: TapeRow) => {
      if (row.type === 'test') {
        tests++;
        names.set(row.id!, row.name ?? '?');
      } else if (row.type === 'assert') {
        asserts++;
        if (row.ok === true || row.skip === true) passed++;
        else {
          const detail = row.error instanceof Error ? row.error.stack : `${row.operator}: actual ${safe(row.actual)}, expected ${safe(row.expected)}`;
          failures.push(`[${names.get(row.test!) ?? '?'}] ${row.name}: ${detail}`);
        }
      }
    });
    stream.on('end', () => resolve({ tests, asserts, passed, failures }));
    stream.on('error', reject);
    suite({
      test: harness,
      // A fresh, isolated store per call, with small buffers: the suite opens hundreds.
      factory: (options?: object) =>
        new LsmLevel(join(root, `db${n++}`), { ...options, engine: { fs, memtableBytes: 256 * 1024, blockCacheBytes: 256 * 1024 } }),
    });
  });
}

function safe(x: unknown): string {
  try {
    return JSON.stringify(x) ?? String(x);
  } catch {
    return String(x);
  }
}

test('abstract-level test suite passes against LsmLevel (and a sublevel of it)', async () => {
  const r = await runSuite();
  console.log(`abstract-level suite: ${r.tests} tests, ${r.asserts} assertions, ${r.passed} passed, ${r.failures.length} failed`);
  expect(r.failures, r.failures.slice(0, 50).join('\n')).toEqual([]);
  // The suite must actually have run (a broken harness would pass vacuously).
  expect(r.asserts).toBeGreaterThan(1000);
});
