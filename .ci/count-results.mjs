// Sums vitest's JSON reports (one test-results.json per package) into the closing line
// "N passed, N failed". A non-zero exit status of the test command with no failed test
// counted (a build or type-check failure, or a crashed runner) still counts as one failure.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const status = Number(process.argv[2] ?? 1);
let passed = 0;
let failed = 0;
let skipped = 0;
const rows = [];
for (const top of ['packages', 'tools']) {
  if (!existsSync(top)) continue;
  for (const name of readdirSync(top).sort()) {
    const file = join(top, name, 'test-results.json');
    if (!existsSync(file)) continue;
    const r = JSON.parse(readFileSync(file, 'utf8'));
    const p = r.numPassedTests ?? 0;
    const f = (r.numFailedTests ?? 0) + (r.numRuntimeErrorTestSuites ?? 0);
    const s = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
    passed += p;
    failed += f;
    skipped += s;
    rows.push(`  ${join(top, name).padEnd(28)} ${String(p).padStart(6)} passed ${String(f).padStart(4)} failed`);
  }
}
console.log('\nTest results by package:');
for (const row of rows) console.log(row);
if (status !== 0 && failed === 0) {
  console.log(`the test command exited with status ${status} (build, type check or runner failure)`);
  failed = 1;
}
console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || status !== 0 ? 1 : 0);
