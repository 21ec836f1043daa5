// The CommonJS build's importModule (see import-module.ts): a real import() expression,
// which TypeScript's CommonJS output would otherwise turn into require(). Node supports
// import() in CommonJS modules; building it with Function keeps it from being rewritten.

const dynamicImport = new Function('url', 'return import(url)') as (url: string) => Promise<Record<string, unknown>>;

/** Imports the module at `url` (an absolute file: URL). */
export function importModule(url: string): Promise<Record<string, unknown>> {
  return dynamicImport(url);
}
