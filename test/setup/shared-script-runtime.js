// Plain CommonJS: Jest requires its `runtime` without transforming it.
/* global require, module */
/* eslint-disable @typescript-eslint/no-require-imports */
'use strict';

const path = require('node:path');
const vm = require('node:vm');

const Runtime = require('jest-runtime').default;

// jest-runtime loads cjs-module-lexer (when an ES module imports a CommonJS one) and es-module-lexer
// (to tell whether a file is ESM) lazily, and each keeps a promise made at its load for the worker's
// life: made inside a test, the promise holds that test's async context (jest-circus's store, the
// test's closure), so that file's whole module graph stayed in memory. Loaded here, at the worker's
// start, they hold none.
const jestRuntimeDir = path.dirname(require.resolve('jest-runtime'));
for (const lexer of ['cjs-module-lexer', 'es-module-lexer']) {
  try {
    require(require.resolve(lexer, { paths: [jestRuntimeDir] }));
  } catch {
    // Not where jest-runtime finds it: nothing to preload.
  }
}

/**
 * Jest's runtime with each module compiled once per worker. Every test file gets a fresh module
 * registry, so each file loads the same ~3,700 modules (Nest, TypeORM, PGlite, the libs) again.
 * The first file in a worker compiles a module into a `vm.Script` (source wrapped as Jest's
 * module function) and keeps it; the next files in that worker run the same script in their own
 * context. A script is context-free: each file still gets new functions, objects and module state
 * (only the parsed code and its bytecode are shared, never a value), and the bytecode of functions
 * compiled lazily while one file ran is not compiled again by the next. The script is reused only for
 * the identical source. Modules that may call import(), core modules and files that do not parse
 * as a function body still go through Jest's own compile, and so does every module of a run that
 * collects V8 coverage. This replaced a V8 code cache made at compile time (it held only the eagerly
 * compiled functions, so every file compiled the rest again): seven files that boot the app took
 * 20.2 -> 18.3 CPU-s in one worker, and test/accounts, mfa and identity on two workers 108.5 ->
 * 101.1 CPU-s (medians, alternating). A worker's heap stays flat (about 237 MB after a forced GC
 * over fourteen such files; it holds the bytecode of every module the worker has loaded).
 */
const scripts = new Map();
/** import( with any spacing or comments before the parenthesis (a bare `import(` check missed those). */
const DYNAMIC_IMPORT = /\bimport\s*(?:\/\*[\s\S]*?\*\/\s*)*\(/;

class SharedScriptRuntime extends Runtime {
  constructor(...args) {
    super(...args);
    const executor = this.executor;
    const coverage = args[5];
    // Leans on jest-runtime's executor (Jest 30): if a release reshapes it, run as plain Jest. So does
    // a run collecting V8 coverage: Jest maps V8's offsets to the source as its own compile made them.
    if (
      (coverage?.collectCoverage && coverage.coverageProvider === 'v8') ||
      !executor ||
      typeof executor.compile !== 'function' ||
      !Array.isArray(executor.injectedModuleParameters) ||
      !executor.resolution ||
      !executor.environment
    ) {
      return;
    }
    const compile = executor.compile.bind(executor);
    executor.compile = (source, filename) => {
      const context = executor.environment.getVmContext();
      // A module that may call import() keeps Jest's own compile: its dynamic-import callback belongs
      // to one file's context (a shared script's import() would be refused).
      if (context == null || executor.resolution.isCoreModule(filename) || DYNAMIC_IMPORT.test(source)) {
        return compile(source, filename);
      }
      const parameters = executor.injectedModuleParameters.join(',');
      let entry = scripts.get(filename);
      if (entry === undefined || entry.source !== source || entry.parameters !== parameters) {
        let script;
        try {
          // The wrapper has a line of its own, counted back by lineOffset: lines and columns in stack
          // traces (and so source maps) are the source's own.
          script = new vm.Script(`(function (${parameters}) {\n${source}\n})`, { filename, lineOffset: -1 });
        } catch {
          // Jest's own compile reports syntax errors (and ESM in a CommonJS file) its way.
          return compile(source, filename);
        }
        entry = { source, parameters, script };
        scripts.set(filename, entry);
      }
      return entry.script.runInContext(context);
    };
  }
}

module.exports = SharedScriptRuntime;
module.exports.default = SharedScriptRuntime;
