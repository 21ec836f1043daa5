// A dynamic import() of an ES module by URL, for the job worker loading a user's functions
// (load-user-functions.ts). The CommonJS build has its own (import-module.cjs.ts), because
// TypeScript's CommonJS output turns import() into require(), which cannot load an ES module.

/** Imports the module at `url` (an absolute file: URL). */
export function importModule(url: string): Promise<Record<string, unknown>> {
  return import(url) as Promise<Record<string, unknown>>;
}
