// The README's first example, executable: crashTest on a few lines of storage code written
// against node's fs API, its report, and the fix passing. The fix (between the
// `#region readme` markers) and the report blocks must appear verbatim in README.md
// (checked below). The quick start itself is in README.md as JavaScript, the typed copy of
// the code below: tools/install-check runs it against the installed package and compares
// what it prints with the README's report, so the quick start cannot rot either.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { crashTest, formatCrashReport, type NodeFsModule } from '../src/index.js';

// README.md's quick start, typed (the README has it in JavaScript).
/** The code under test: replaces a settings file through a temp file, like many libraries do. */
function saveSettings(fs: NodeFsModule, settings: { theme: string }): void {
  fs.mkdirSync('/app', { recursive: true });
  fs.writeFileSync('/app/settings.json.tmp', JSON.stringify(settings));
  fs.renameSync('/app/settings.json.tmp', '/app/settings.json');
}

const themes = ['dark', 'light'];
const report = await crashTest<string>({
  // Runs once, recorded. ack(x): saveSettings returned, so x is promised to be saved.
  workload: (fs, ack) => {
    for (const theme of themes) {
      saveSettings(fs, { theme });
      ack(theme);
    }
  },
  // Runs on what a power cut would leave at each crash point, with what was acked by then.
  check: (fs, acked) => {
    const saved = acked.at(-1);
    if (saved === undefined) return;
    if (!fs.existsSync('/app/settings.json')) throw new Error(`settings.json is gone, "${saved}" was saved`);
    const { theme } = JSON.parse(fs.readFileSync('/app/settings.json', 'utf8'));
    if (themes.indexOf(theme) < themes.indexOf(saved)) throw new Error(`theme "${theme}", but "${saved}" was saved`);
  },
});

// #region readme: fix
/** The fix: fsync the data before the rename, then fsync the directories that changed. */
function saveSettingsDurably(fs: NodeFsModule, settings: { theme: string }): void {
  fs.mkdirSync('/app', { recursive: true });
  const fd = fs.openSync('/app/settings.json.tmp', 'w');
  fs.writeFileSync(fd, JSON.stringify(settings));
  fs.fsyncSync(fd);
  fs.closeSync(fd);
  fs.renameSync('/app/settings.json.tmp', '/app/settings.json');
  for (const dir of ['/app', '/']) {
    const dirFd = fs.openSync(dir, 'r');
    fs.fsyncSync(dirFd);
    fs.closeSync(dirFd);
  }
}
// #endregion

const fixed = await crashTest({
  workload: (fs, ack: (theme: string) => void) => {
    for (const theme of themes) {
      saveSettingsDurably(fs, { theme });
      ack(theme);
    }
  },
  check: (fs, acked) => {
    const saved = acked.at(-1);
    if (saved === undefined) return;
    const { theme } = JSON.parse(fs.readFileSync('/app/settings.json', 'utf8')) as { theme: string };
    if (themes.indexOf(theme) < themes.indexOf(saved)) throw new Error(`theme "${theme}", but "${saved}" was saved`);
  },
});

describe('the README quick start', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

  it('reports the lost settings at the crash points where they are lost', () => {
    expect(report.failures.length).toBeGreaterThan(0);
    expect(report.failures[0]!.op).toBe("rename '/app/settings.json.tmp' -> '/app/settings.json'");
  });

  it('passes with the fix, at every crash point', () => {
    expect(fixed.failures).toEqual([]);
    expect(fixed.points).toBe(15);
  });

  it('shows the code and both reports verbatim', () => {
    const source = readFileSync(new URL(import.meta.url), 'utf8');
    const regions = [...source.matchAll(/\/\/ #region readme: \w+\n([\s\S]*?)\/\/ #endregion/g)].map((m) => m[1]!);
    expect(regions.length).toBe(1);
    for (const region of regions) expect(readme).toContain(region.trim());
    expect(readme).toContain("import { crashTest, formatCrashReport } from '@lsm/crashfs';");
    expect(readme).toContain(`\`\`\`text\n${formatCrashReport(report, { traces: false })}\n\`\`\``);
    expect(readme).toContain(`\`\`\`text\n${report.failures[0]!.trace.join('\n')}\n\`\`\``);
    expect(readme).toContain(`\`\`\`text\n${formatCrashReport(fixed)}\n\`\`\``);
  });
});
