// The lsm command line end to end, as a user runs it: a real directory, real processes,
// exit codes and output checked.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, readSync, readdirSync, rmSync, statSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'lsm-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function lsm(...args: string[]): { code: number; out: string; err: string } {
  return lsmWith({}, ...args);
}

function lsmWith(env: Record<string, string>, ...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

describe('lsm CLI', () => {
  const db = join(root, 'db');

  it('get, scan and stats read a store an application has open, and write nothing to it', async () => {
    const { Tree } = await import('@lsm/engine');
    const { NodeFs } = await import('@lsm/fs');
    const live = join(root, 'live');
    const app = Tree.open(live, { fs: new NodeFs({ root }) });
    try {
      app.put('user:1', 'ada');
      app.put('user:2', 'grace');
      const files = (): string[] => readdirSync(live).map((n) => `${n}:${statSync(join(live, n)).size}`).sort();
      const before = files();
      const got = lsm('get', live, 'user:2');
      expect(got.err).toBe('');
      expect(got.out.trim()).toBe('grace');
      expect(lsm('scan', live).out.trim().split('\n')).toEqual(['user:1\tada', 'user:2\tgrace']);
      expect(lsm('stats', live).code).toBe(0);
      expect(files()).toEqual(before);
      // Writing commands still need the lock the application holds.
      const put = lsm('put', live, 'user:3', 'x');
      expect(put.code).toBe(2);
      expect(put.err).toContain('LSM_LOCKED');
    } finally {
      app.close();
    }
  });

  it('puts, gets, scans, deletes and reports stats', () => {
    expect(lsm('put', db, 'fruit:apple', 'red').code).toBe(0);
    expect(lsm('put', db, 'fruit:banana', 'yellow', '--sync').code).toBe(0);
    expect(lsm('put', db, 'veg:leek', 'green').code).toBe(0);
    const got = lsm('get', db, 'fruit:banana');
    expect(got.code).toBe(0);
    expect(got.out.trim()).toBe('yellow');
    const scan = lsm('scan', db, '--prefix', 'fruit:');
    expect(scan.out.trim().split('\n')).toEqual(['fruit:apple\tred', 'fruit:banana\tyellow']);
    expect(scan.err).toContain('2 entries');
    const rev = lsm('scan', db, '--reverse', '--limit', '2', '--keys-only');
    expect(rev.out.trim().split('\n')).toEqual(['veg:leek', 'fruit:banana']);
    expect(lsm('delete', db, 'fruit:apple').code).toBe(0);
    const gone = lsm('get', db, 'fruit:apple');
    expect(gone.code).toBe(1);
    expect(gone.err).toContain('not found');
    expect(lsm('compact', db).code).toBe(0);
    const stats = lsm('stats', db);
    expect(stats.code).toBe(0);
    expect(stats.out).toMatch(/seqno 4, \d+ tables/);
    expect(stats.out).toContain('zstd: native (zstd-napi)');
    const forced = lsmWith({ LSM_ZSTD: 'wasm' }, 'stats', db);
    expect(forced.out).toContain('zstd: wasm (the WebAssembly fallback, forced by LSM_ZSTD)');
  });

  it('takes and prints keys and values as hex with --hex', () => {
    expect(lsm('put', db, '00ff10', 'deadbeef', '--hex').code).toBe(0);
    expect(lsm('get', db, '00ff10', '--hex').out.trim()).toBe('deadbeef');
    expect(lsm('get', db, 'zz', '--hex').code).toBe(64);
  });

  it('answers bad command lines with usage and exit code 64', () => {
    expect(lsm().code).toBe(64);
    expect(lsm('frobnicate', db).code).toBe(64);
    const r = lsm('get', db, 'k', '--bogus');
    expect(r.code).toBe(64);
    expect(r.err).toContain('unknown option --bogus');
    expect(lsm('put', db, 'only-key').code).toBe(64);
    expect(lsm('scan', db, '--limit', 'many').code).toBe(64);
  });

  it('reports store errors with their code and exit code 2', () => {
    const r = lsm('get', join(root, 'no-such-store'), 'k');
    expect(r.code).toBe(2);
    expect(r.err).toContain('LSM_NOT_FOUND');
  });

  it('writes a checkpoint that opens on its own and holds nothing written after it', () => {
    const src = join(root, 'cp-src');
    const dst = join(root, 'elsewhere', 'cp-dst');
    expect(lsm('put', src, 'a', '1').code).toBe(0);
    expect(lsm('put', src, 'b', '2').code).toBe(0);
    expect(lsm('compact', src).code).toBe(0);
    expect(lsm('put', src, 'c', '3').code).toBe(0);
    const r = lsm('checkpoint', src, dst);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/checkpoint of .* at seqno 3 in .*: (\d+) tables, 0 blob files, 1 logs; \1 files hard-linked, 0 bytes copied/);
    expect(lsm('put', src, 'd', '4').code).toBe(0);
    expect(lsm('scan', dst, '--keys-only').out.trim().split('\n')).toEqual(['a', 'b', 'c']);
    expect(lsm('get', dst, 'd').code).toBe(1);
    // A directory that is not empty, a missing source, a bad command line.
    const again = lsm('checkpoint', src, dst);
    expect(again.code).toBe(2);
    expect(again.err).toContain('LSM_INVALID_ARGUMENT');
    expect(lsm('checkpoint', join(root, 'no-such-store'), join(root, 'cp-x')).code).toBe(2);
    expect(lsm('checkpoint', src).code).toBe(64);
  });

  it('runs the demo end to end on a small store', () => {
    const r = lsm('demo', '--keys', '20000', '--dir', join(root, 'demo'));
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    for (const step of ['load', 'get', 'scan', 'reverse', 'crash', 'recover']) expect(r.out).toContain(step);
    expect(r.out).toContain('synced writes lost 0');
    expect(r.out).toContain('every check passed');
  });
});

const KEY_HEX = '0f'.repeat(32);

/** A store with a few flushed tables and writes only in the log, written in-process. */
async function makeStore(dir: string, encrypted = false): Promise<void> {
  const { Tree } = await import('@lsm/engine');
  const { NodeFs } = await import('@lsm/fs');
  const t = Tree.open(dir, { fs: new NodeFs({ root }), blockSize: 512, compression: 'none', ...(encrypted ? { encryption: { key: Buffer.from(KEY_HEX, 'hex') } } : {}) });
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 200; i++) t.put(`key-${String((i * 7 + round) % 500).padStart(4, '0')}`, `value-${round}-${i}-${'x'.repeat(i % 50)}`);
    t.flush();
  }
  t.put('tail', 'in the log');
  t.close();
}

function flipByte(path: string, offset: number): void {
  const fd = openSync(path, 'r+');
  const b = Buffer.alloc(1);
  readSync(fd, b, 0, 1, offset);
  b[0]! ^= 0x41;
  writeSync(fd, b, 0, 1, offset);
  closeSync(fd);
}

describe('lsm verify', () => {
  it('says OK with exit 0 on a healthy store, and names file, offset and kind of damage with exit 1', async () => {
    const dir = join(root, 'verify-plain');
    await makeStore(dir);
    const ok = lsm('verify', dir);
    expect(ok.err).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/: OK \(3 tables, 0 blob files, 1 logs, \d+ manifest records; [\d,]+ entries, [\d,]+ bytes in/);
    const table = readdirSync(dir).filter((n) => n.endsWith('.sst')).sort()[0]!;
    flipByte(join(dir, table), 10);
    const bad = lsm('verify', dir);
    expect(bad.code).toBe(1);
    const lines = bad.out.trim().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^${table}@0: table-corrupt: .*checksum`));
    expect(lines.at(-1)).toMatch(/: DAMAGED: 1 problem \(/);
  });

  it('reports a store that does not open because of damage as a problem (exit 1)', async () => {
    const dir = join(root, 'verify-missing');
    await makeStore(dir);
    const table = readdirSync(dir).filter((n) => n.endsWith('.sst')).sort()[0]!;
    rmSync(join(dir, table));
    const r = lsm('verify', dir);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^MANIFEST-\d+@0: missing-file: .*missing/);
    expect(r.out).toContain('does not open');
  });

  it('takes the key of an encrypted store with --key-hex or --key-file, for verify, checkpoint and the rest', async () => {
    const dir = join(root, 'verify-enc');
    await makeStore(dir, true);
    const noKey = lsm('verify', dir);
    expect(noKey.code).toBe(2);
    expect(noKey.err).toContain('encrypted');
    expect(lsm('verify', dir, '--key-hex', KEY_HEX).code).toBe(0);
    const keyFile = join(root, 'store.key');
    writeFileSync(keyFile, `${KEY_HEX}\n`);
    expect(lsm('verify', dir, '--key-file', keyFile).code).toBe(0);
    const raw = join(root, 'store.rawkey');
    writeFileSync(raw, Buffer.from(KEY_HEX, 'hex'));
    expect(lsm('get', dir, 'tail', '--key-file', raw).out.trim()).toBe('in the log');
    const cp = join(root, 'verify-enc-cp');
    const c = lsm('checkpoint', dir, cp, '--key-hex', KEY_HEX);
    expect(c.err).toBe('');
    expect(c.code).toBe(0);
    expect(lsm('verify', cp, '--key-hex', KEY_HEX).code).toBe(0);
    expect(lsm('checkpoint', dir, join(root, 'verify-enc-cp2')).code).toBe(2);
    // Usage errors: both options, a malformed key, no directory.
    expect(lsm('verify', dir, '--key-hex', KEY_HEX, '--key-file', keyFile).code).toBe(64);
    expect(lsm('verify', dir, '--key-hex', 'abcd').code).toBe(64);
    expect(lsm('verify').code).toBe(64);
  });
});

describe('lsm salvage', () => {
  const keysOf = (dir: string, ...key: string[]): string[] => lsm('scan', dir, '--keys-only', ...key).out.trim().split('\n');

  it('copies an intact store (exit 0), and a damaged one, reporting the loss (exit 1)', async () => {
    const dir = join(root, 'salvage-src');
    await makeStore(dir);
    const all = keysOf(dir);
    expect(all.length).toBe(487);
    const ok = lsm('salvage', dir, join(root, 'salvage-ok'));
    expect(ok.err).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/^salvaged 487 keys from .* 0 entries lost, 0 keys uncertain \(read 3 tables, 1 logs, 0 blob files; manifest intact\)/);
    expect(keysOf(join(root, 'salvage-ok'))).toEqual(all);
    const table = readdirSync(dir).filter((n) => n.endsWith('.sst')).sort()[0]!;
    flipByte(join(dir, table), 10);
    const out = join(root, 'salvage-bad');
    const bad = lsm('salvage', dir, out);
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(new RegExp(`^${table}@0: table-corrupt: .*checksum.* \\[\\d+ bytes skipped\\] \\(keys "key-\\d+" to "key-\\d+"\\)`, 'm'));
    expect(bad.out).toMatch(/[1-9]\d* entries lost/);
    expect(lsm('verify', out).code).toBe(0);
    const got = keysOf(out);
    expect(got.length).toBeGreaterThan(400);
    for (const k of got) expect(all).toContain(k);
    // The target must be new or empty.
    const again = lsm('salvage', dir, out);
    expect(again.code).toBe(2);
    expect(again.err).toContain('LSM_INVALID_ARGUMENT');
    expect(lsm('salvage', dir).code).toBe(64);
  });

  it('salvages a store whose manifest is gone, and an encrypted one with its key', async () => {
    const dir = join(root, 'salvage-nomanifest');
    await makeStore(dir);
    const all = keysOf(dir);
    for (const n of readdirSync(dir)) if (n.startsWith('MANIFEST-')) rmSync(join(dir, n));
    expect(lsm('verify', dir).code).toBe(1);
    const r = lsm('salvage', dir, join(root, 'salvage-nomanifest-out'));
    expect(r.code).toBe(0);
    expect(r.out).toContain('manifest missing');
    expect(keysOf(join(root, 'salvage-nomanifest-out'))).toEqual(all);

    const enc = join(root, 'salvage-enc');
    await makeStore(enc, true);
    const e = lsm('salvage', enc, join(root, 'salvage-enc-out'), '--key-hex', KEY_HEX);
    expect(e.err).toBe('');
    expect(e.code).toBe(0);
    expect(lsm('verify', join(root, 'salvage-enc-out'), '--key-hex', KEY_HEX).code).toBe(0);
    expect(lsm('salvage', enc, join(root, 'salvage-enc-out2')).code).toBe(2);
  });
});

