// Runs the shared Fs conformance suite against every backend in this package.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FaultFs, MemFs, NodeFs } from '../src/index.js';
import { describeFsConformance } from '../src/conformance.js';

function tempRoot(): { root: string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'lsm-fs-'));
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

describeFsConformance('NodeFs', () => ({ fs: new NodeFs(), ...tempRoot() }));

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

describeFsConformance('FaultFs(NodeFs) with no rules', () => ({ fs: new FaultFs(new NodeFs()), ...tempRoot() }));
