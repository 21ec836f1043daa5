// NodeFs locks across processes: a second process is refused while the holder lives,
// and a lock whose holder died is taken over (stale owner file).

import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NodeFs } from '../src/index.js';

const distEntry = fileURLToPath(new URL('../dist/index.js', import.meta.url));

/** A child program that tries the lock and prints the result (holding it for `holdMs`), confined to the lock's directory. */
function childScript(lockPath: string, holdMs: number): string {
  return `
    import { NodeFs } from ${JSON.stringify(distEntry)};
    const f = new NodeFs({ root: ${JSON.stringify(dirname(lockPath))} }).open(${JSON.stringify(lockPath)}, { read: true, write: true, create: true });
    const ok = f.tryLock();
    console.log(ok ? 'locked' : 'refused');
    if (${holdMs} > 0) setTimeout(() => f.close(), ${holdMs});
    else f.close();
  `;
}

describe('NodeFs lock across processes', () => {
  let dir: string;
  beforeAll(() => {
    if (!existsSync(distEntry)) execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: fileURLToPath(new URL('..', import.meta.url)) });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses another process while this one holds the lock', () => {
    dir = mkdtempSync(join(tmpdir(), 'lsm-lock-'));
    const lockPath = join(dir, 'LOCK');
    const f = new NodeFs({ root: dir }).open(lockPath, { read: true, write: true, create: true });
    expect(f.tryLock()).toBe(true);
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', childScript(lockPath, 0)]).toString().trim();
    expect(out).toBe('refused');
    f.close();
    const out2 = execFileSync(process.execPath, ['--input-type=module', '-e', childScript(lockPath, 0)]).toString().trim();
    expect(out2).toBe('locked');
  });

  it('takes over a lock whose holder process died without releasing it', async () => {
    dir = mkdtempSync(join(tmpdir(), 'lsm-lock-'));
    const lockPath = join(dir, 'LOCK');
    const child = spawn(process.execPath, ['--input-type=module', '-e', childScript(lockPath, 60_000)]);
    const first = await new Promise<string>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim())));
    expect(first).toBe('locked');
    const f = new NodeFs({ root: dir }).open(lockPath, { read: true, write: true });
    expect(f.tryLock()).toBe(false);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    expect(readFileSync(`${lockPath}.lock-owner`, 'utf8').trim()).toBe(String(child.pid));
    expect(f.tryLock()).toBe(true);
    f.close();
    expect(existsSync(`${lockPath}.lock-owner`)).toBe(false);
  });

  it('treats a garbage owner file as stale', () => {
    dir = mkdtempSync(join(tmpdir(), 'lsm-lock-'));
    const lockPath = join(dir, 'LOCK');
    writeFileSync(`${lockPath}.lock-owner`, 'not a pid');
    const f = new NodeFs({ root: dir }).open(lockPath, { read: true, write: true, create: true });
    expect(f.tryLock()).toBe(true);
    f.close();
  });
});
