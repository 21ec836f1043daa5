import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeFs } from '@lsm/fs';
import { ValueType } from '@lsm/base';
import { fixedPrefixExtractor, TableWriter } from '@lsm/sstable';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';
import { escapeBytes, parseKey } from '../src/format.js';

const dir = mkdtempSync(join(tmpdir(), 'sst-dump-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fs = new NodeFs({ root: dir }); // the tool and the tables stay inside the test's temp dir
const enc = new TextEncoder();

function makeTable(name: string): string {
  const path = join(dir, name);
  const w = new TableWriter(fs, path, { blockSize: 256, compression: 'zstd', prefixExtractor: fixedPrefixExtractor(3) });
  for (let i = 0; i < 300; i++) {
    const k = enc.encode(`key${String(i).padStart(4, '0')}`);
    w.add(k, 1000 - i, i % 10 === 0 ? ValueType.Tombstone : ValueType.Value, i % 10 === 0 ? new Uint8Array(0) : enc.encode(`value ${i}`));
  }
  w.add(new Uint8Array([0x7a, 0x00, 0xff]), 5, ValueType.Merge, new Uint8Array([1, 2]));
  w.addRangeTombstone(enc.encode('key0100'), enc.encode('key0200'), 2000);
  w.finish();
  return path;
}

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => (out += s), err: (s) => (err += s) }, fs);
  return { code, out, err };
}

describe('sst-dump', () => {
  const path = makeTable('000001.sst');

  it('shows and verifies a table with a zstd dictionary', async () => {
    const dpath = join(dir, '000003.sst');
    const w = new TableWriter(fs, dpath, { blockSize: 1024, compression: 'zstd', dictionary: { maxBytes: 2048, sampleBytes: 32 * 1024 } });
    for (let i = 0; i < 2000; i++) {
      const doc = { id: i, kind: ['user', 'order', 'event'][i % 3], status: i % 7 === 0 ? 'pending' : 'active', note: `record number ${i} of the table` };
      w.add(enc.encode(`doc/${String(i).padStart(6, '0')}`), i + 1, ValueType.Value, enc.encode(JSON.stringify(doc)));
    }
    expect(w.finish().properties.dictionarySize).toBeGreaterThan(0);
    const p = await run('properties', dpath);
    expect(p.code).toBe(0);
    expect(p.out).toMatch(/zstd dictionary\s+\d+ bytes, id \d+/);
    const v = await run('verify', dpath);
    expect(v.code).toBe(0);
    expect(v.out).toContain('OK');
  });

  it('verify: OK on a good table', async () => {
    const r = await run('verify', path);
    expect(r.code).toBe(0);
    expect(r.out).toContain('OK');
    expect(r.out).toContain('301 entries');
  });

  it('verify: exit 1 and the offset on damage', async () => {
    const bad = join(dir, 'bad.sst');
    const bytes = readFileSync(path);
    bytes[300]! ^= 0x10;
    writeFileSync(bad, bytes);
    const r = await run('verify', path, bad);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`${bad}: DAMAGED`);
    expect(r.out).toMatch(/at offset \d+: LSM_CORRUPTION: .*checksum/);
  });

  it('properties', async () => {
    const r = await run('properties', path);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/entries\s+301/);
    expect(r.out).toMatch(/tombstones\s+30/);
    expect(r.out).toContain("smallest key");
    expect(r.out).toContain("'key0000'");
    expect(r.out).toContain('zstd (level 3)');
    expect(r.out).toMatch(/file checksum \(xxh64\)\s+[0-9a-f]{16}/);
  });

  it('dump with bounds, max, keys-only and hex', async () => {
    const r = await run('dump', path, '--from', 'key0010', '--to', 'key0013');
    expect(r.out.trim().split('\n')).toEqual([
      "'key0010' @ 990 : tombstone => ''",
      "'key0011' @ 989 : value => 'value 11'",
      "'key0012' @ 988 : value => 'value 12'",
    ]);
    const k = await run('dump', path, '--max', '2', '--keys-only');
    expect(k.out.trim().split('\n')).toEqual(["'key0000' @ 1000 : tombstone", "'key0001' @ 999 : value", "range tombstone ['key0100', 'key0200') @ 2000"]);
    const h = await run('dump', path, '--from', '0x7a', '--hex');
    expect(h.out.trim()).toBe('7a00ff @ 5 : merge => 0102');
    const rt = await run('dump', path, '--from', 'key0150', '--max', '0');
    expect(rt.out).toContain("range tombstone ['key0100', 'key0200') @ 2000");
  });

  it('filter-stats', async () => {
    const r = await run('filter-stats', path);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/whole-key filter: BuRR, 301 items, \d+ bytes, [\d.]+ bits\/key/);
    expect(r.out).toMatch(/prefix filter: BuRR, 2 items/);
  });

  it('usage errors exit 2; unreadable files exit 1', async () => {
    expect((await run()).code).toBe(2);
    expect((await run('frobnicate', path)).code).toBe(2);
    expect((await run('dump', path, '--bogus')).code).toBe(2);
    expect((await run('dump', path, '--max', '-1')).code).toBe(2);
    expect((await run('properties')).code).toBe(2);
    const missing = await run('properties', join(dir, 'nope.sst'));
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('LSM_IO');
  });

  it('formats and parses keys', () => {
    expect(escapeBytes(new Uint8Array([0x61, 0x00, 0x5c, 0xff]))).toBe('a\\x00\\x5c\\xff');
    expect([...parseKey('0x00ff')]).toEqual([0, 255]);
    expect([...parseKey('ab')]).toEqual([0x61, 0x62]);
  });

  describe('encrypted tables', () => {
    const KEY = 'ab'.repeat(32);
    const encPath = join(dir, '000002.sst');
    const w = new TableWriter(fs, encPath, { blockSize: 256, encryption: { key: Uint8Array.from(Buffer.from(KEY, 'hex')) } });
    for (let i = 0; i < 50; i++) w.put(enc.encode(`key${String(i).padStart(4, '0')}`), 100 + i, enc.encode(`secret ${i}`));
    w.finish();

    it('without a key: a clear error naming the options', async () => {
      const r = await run('dump', encPath);
      expect(r.code).toBe(1);
      expect(r.err).toContain('is encrypted');
      expect(r.err).toContain('--key-hex');
    });

    it('with --key-hex or --key-file: verify, properties and dump work', async () => {
      const v = await run('verify', encPath, '--key-hex', KEY);
      expect(v.code).toBe(0);
      expect(v.out).toContain('50 entries');
      const keyFile = join(dir, 'key.hex');
      writeFileSync(keyFile, `${KEY}\n`);
      const d = await run('dump', encPath, '--key-file', keyFile, '--max', '2');
      expect(d.code).toBe(0);
      expect(d.out).toContain("'secret 0'");
      const p = await run('properties', encPath, '--key-hex', KEY);
      expect(p.out).toMatch(/format version\s+2/);
    });

    it('a wrong key is LSM_CORRUPTION "encryption key does not match"; a malformed key is a usage error', async () => {
      const r = await run('verify', encPath, '--key-hex', 'cd'.repeat(32));
      expect(r.code).toBe(1);
      expect(r.out).toContain('encryption key does not match');
      expect((await run('dump', encPath, '--key-hex', 'abc')).code).toBe(2);
    });
  });
});
