// CrashFs must be a faithful Fs when no crash happens: the shared @lsm/fs conformance
// suite, over MemFs and over NodeFs (confined to the test's temp dir), in both models.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemFs, NodeFs } from '@lsm/fs';
import { describeFsConformance } from '@lsm/fs/conformance';
import { CrashFs } from '../src/index.js';

describeFsConformance('CrashFs(MemFs)', () => {
  const mem = new MemFs();
  mem.createDirAll('/conf');
  return { fs: new CrashFs(mem), root: '/conf' };
});

describeFsConformance('CrashFs(MemFs), simple model', () => {
  const mem = new MemFs();
  mem.createDirAll('/conf');
  return { fs: new CrashFs(mem, { directorySync: false, tornWrites: false }), root: '/conf' };
});

describeFsConformance('CrashFs(NodeFs({ root }))', () => {
  const root = mkdtempSync(join(tmpdir(), 'crashfs-conf-'));
  return { fs: new CrashFs(new NodeFs({ root })), root, confined: true, cleanup: () => rmSync(root, { recursive: true, force: true }) };
});
