// Finds the installed version of a package (for the labels in the results), without
// relying on the package exporting its package.json.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The version in the package.json of installed package `name`, or "?" if it cannot be found. */
export function packageVersion(name: string): string {
  try {
    let dir = dirname(fileURLToPath(import.meta.resolve(name)));
    for (let i = 0; i < 6; i++) {
      try {
        const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
        if (pkg.name === name && typeof pkg.version === 'string') return pkg.version;
      } catch {
        // No package.json at this level: keep walking up.
      }
      dir = dirname(dir);
    }
  } catch {
    // Not resolvable from here.
  }
  return '?';
}
