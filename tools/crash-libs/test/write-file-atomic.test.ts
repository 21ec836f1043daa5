// write-file-atomic (npm, CommonJS) under crashTest, loaded as published: its require('fs')
// is redirected to the facade with hookRequire. It promises an atomic replace ("Atomically
// and asynchronously writes data to a file, replacing the file if it already exists"),
// fsync of the temp file by default. Check: the file always holds one whole value (never
// torn, never missing); an acknowledged value is never replaced by an older one.

import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { crashTest, formatCrashReport, hookRequire, type NodeFsModule } from '@lsm/crashfs';
import { firstOf, LostAcknowledged, Unreadable, verdict } from './verdicts.js';

hookRequire({ packages: ['write-file-atomic'] });
const writeFileAtomic = createRequire(import.meta.url)('write-file-atomic') as typeof import('write-file-atomic');

const FILE = '/data/config.json';

const setup = (fs: NodeFsModule): void => {
  fs.mkdirSync('/data');
  fs.writeFileSync(FILE, JSON.stringify({ version: 0 }));
};

const check = (fs: NodeFsModule, acked: number[]): void => {
  let version: number;
  try {
    version = (JSON.parse(fs.readFileSync(FILE, 'utf8')) as { version: number }).version;
  } catch (err) {
    throw new Unreadable(`${FILE}: ${String(err)}`);
  }
  const last = acked.at(-1) ?? 0;
  if (version < last) throw new LostAcknowledged(`version ${last} was acknowledged, the file has version ${version}`);
};

const asyncWorkload = async (_fs: NodeFsModule, ack: (v: number) => void): Promise<void> => {
  for (let version = 1; version <= 3; version++) {
    await writeFileAtomic(FILE, JSON.stringify({ version }));
    ack(version);
  }
};

const syncWorkload = (_fs: NodeFsModule, ack: (v: number) => void): void => {
  for (let version = 1; version <= 3; version++) {
    writeFileAtomic.sync(FILE, JSON.stringify({ version }));
    ack(version);
  }
};

describe('write-file-atomic 7.0.1', () => {
  it('is atomic but not durable: acknowledged writes are lost until something fsyncs the directory', async () => {
    const report = await crashTest({ setup, workload: asyncWorkload, check });
    expect(verdict(report)).toEqual({ points: 15, lost: 11, unreadable: 0, other: 0 });
    const first = firstOf(report, LostAcknowledged)!;
    expect(first.point).toBe(5);
    expect(first.trace.map((t) => t.replace(/json\.\d+/g, 'json.TMP'))).toEqual([
      "#1 open '/data/config.json.TMP' (write, create, truncate)",
      "#2 write '/data/config.json.TMP' 13 bytes at 0",
      "#3 fsync '/data/config.json.TMP'",
      "#4 close '/data/config.json.TMP'",
      "#5 rename '/data/config.json.TMP' -> '/data/config.json'",
    ]);
    expect(formatCrashReport(report, { traces: false })).toContain('LostAcknowledged: version 1 was acknowledged, the file has version 0');
  });

  it('the sync API: the same', async () => {
    const report = await crashTest({ setup, workload: syncWorkload, check });
    expect(verdict(report)).toEqual({ points: 15, lost: 11, unreadable: 0, other: 0 });
  });

  it('where renames are durable at once (the simple model, like ext4 data=ordered): correct', async () => {
    const report = await crashTest({ setup, workload: asyncWorkload, check, directorySync: false });
    expect(verdict(report)).toEqual({ points: 18, lost: 0, unreadable: 0, other: 0 });
  });
});
