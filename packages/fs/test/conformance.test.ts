// Runs the shared Fs conformance suite against every backend in this package.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FaultFs, MemFs, NodeFs } from '../src/index.js';
import { describeFsConformance } from '../src/conformance.js';

/** A fresh temp directory, and a NodeFs confined to it. */
function tempRoot(): { fs: NodeFs; root: string; confined: true; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'lsm-fs-'));
  return { fs: new NodeFs({ root }), root, confined: true, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

describeFsConformance('NodeFs({ root })', tempRoot);

describeFsConformance('MemFs', () => {
  const fs = new MemFs();
  fs.createDirAll('/root');
  return { fs, root: '/root' };
});

describeFsConformance('FaultFs(MemFs) with no rules', () => {
  const inner = new MemFs();
  inner.createDirAll('/root');
  return { fs: new FaultFs(inner), root: '/root' };
});

describeFsConformance('FaultFs(NodeFs({ root })) with no rules', () => {
  const t = tempRoot();
  return { ...t, fs: new FaultFs(t.fs) };
});
