#!/usr/bin/env node
// @ts-check
// build-cjs: the CommonJS half of an @lsm library's dual build, run in the package
// directory after `tsc -p tsconfig.build.json` has written the ES module build to dist/.
// It transpiles every src/**/*.ts again, as CommonJS, into dist/cjs/ (TypeScript's
// transpileModule, one file at a time: the sources stay the one source of truth, and the
// type check is the ESM build's), copies the declarations from dist/ beside the output
// (the same types; under dist/cjs they describe CommonJS modules), and writes
// dist/cjs/package.json, {"type":"commonjs"}, which makes Node load that directory as
// CommonJS. A file `x.cjs.ts` next to `x.ts` replaces it in this build: the few lines that
// need `import.meta` in an ES module need `__dirname` or `require` in CommonJS. A source
// that would still hold `import.meta` or a top-level await fails the build, naming the line.

import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import ts from 'typescript';

const SRC = 'src';
const ESM_OUT = 'dist';
const CJS_OUT = join('dist', 'cjs');
const TWIN = /\.cjs\.ts$/;

/**
 * Files under `dir`, relative to it, sorted.
 * @param {string} dir
 */
function filesUnder(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => relative(dir, join(d.parentPath, d.name)))
    .sort();
}

/**
 * Where `source` uses what a CommonJS module cannot have: import.meta, a top-level await.
 * @param {string} source
 * @param {string} text
 * @returns {string[]}
 */
function commonJsProblems(source, text) {
  const file = ts.createSourceFile(source, text, ts.ScriptTarget.ES2022, true);
  /** @type {string[]} */
  const found = [];
  /** @type {(node: ts.Node, what: string) => string} */
  const at = (node, what) => `${source}:${file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1}: ${what}`;
  /** @type {(node: ts.Node, inFunction: boolean) => void} */
  const visit = (node, inFunction) => {
    if (ts.isMetaProperty(node) && node.keywordToken === ts.SyntaxKind.ImportKeyword) found.push(at(node, 'import.meta'));
    if (!inFunction && (ts.isAwaitExpression(node) || (ts.isForOfStatement(node) && node.awaitModifier !== undefined))) {
      found.push(at(node, 'top-level await'));
    }
    const inside = inFunction || ts.isFunctionLike(node);
    ts.forEachChild(node, (child) => visit(child, inside));
  };
  visit(file, false);
  return found;
}

/**
 * Transpiles one module to CommonJS at `jsPath`, with a source map pointing at `source`.
 * Returns the compiler's complaints (none when it wrote the file).
 * @param {string} source
 * @param {string} text
 * @param {string} jsPath
 * @returns {string[]}
 */
function emit(source, text, jsPath) {
  const out = ts.transpileModule(text, {
    fileName: source,
    reportDiagnostics: true,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, sourceMap: true },
  });
  const errors = (out.diagnostics ?? []).map((d) => `${source}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
  if (errors.length > 0) return errors;
  const map = JSON.parse(out.sourceMapText ?? '{}');
  map.file = basename(jsPath);
  map.sources = [relative(dirname(jsPath), source).split(sep).join('/')];
  const code = out.outputText.replace(/\/\/# sourceMappingURL=\S*\s*$/, '');
  mkdirSync(dirname(jsPath), { recursive: true });
  writeFileSync(jsPath, `${code}//# sourceMappingURL=${basename(jsPath)}.map\n`);
  writeFileSync(`${jsPath}.map`, JSON.stringify(map));
  return [];
}

function build() {
  rmSync(CJS_OUT, { recursive: true, force: true });
  const sources = filesUnder(SRC).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
  /** @type {string[]} */
  const problems = [];
  let modules = 0;
  let twins = 0;
  for (const rel of sources) {
    if (TWIN.test(rel)) {
      if (!sources.includes(rel.replace(TWIN, '.ts'))) problems.push(`${join(SRC, rel)}: a CommonJS twin without its ${basename(rel.replace(TWIN, '.ts'))}`);
      continue;
    }
    const twin = rel.replace(/\.ts$/, '.cjs.ts');
    const hasTwin = sources.includes(twin);
    const source = join(SRC, hasTwin ? twin : rel);
    if (hasTwin) twins++;
    modules++;
    const text = readFileSync(source, 'utf8');
    const found = commonJsProblems(source, text);
    problems.push(...(found.length > 0 ? found : emit(source, text, join(CJS_OUT, rel.replace(/\.ts$/, '.js')))));
  }
  if (problems.length > 0) {
    console.error(`build-cjs: cannot build ${CJS_OUT} (a module that needs import.meta gets a .cjs.ts twin):\n  ${problems.join('\n  ')}`);
    process.exitCode = 1;
    return;
  }
  const declarations = filesUnder(ESM_OUT).filter((f) => f.endsWith('.d.ts'));
  for (const rel of declarations) {
    const text = readFileSync(join(ESM_OUT, rel), 'utf8').replace(/\/\/# sourceMappingURL=\S*\s*$/, '');
    mkdirSync(dirname(join(CJS_OUT, rel)), { recursive: true });
    writeFileSync(join(CJS_OUT, rel), text);
  }
  writeFileSync(join(CJS_OUT, 'package.json'), '{ "type": "commonjs" }\n');
  console.log(`build-cjs: ${modules} modules (${twins} from .cjs.ts twins) and ${declarations.length} declaration files -> ${CJS_OUT}`);
}

build();
