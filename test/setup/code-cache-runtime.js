// Plain CommonJS: Jest requires its `runtime` without transforming it.
/* global require, module, Buffer */
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
 * Jest's runtime with a V8 code cache per worker. Every test file gets a fresh module registry, so
 * each file compiles the same ~3,700 modules (Nest, TypeORM, PGlite, the libs) again: V8's compile
 * was about a third of a file's module-load time (profiled). The first file in a worker compiles a
 * module and keeps V8's code cache of it; the next files in that worker start from the cache
 * (V8 checks it against the source and rejects a stale one, which is then compiled afresh).
 * Modules still run anew in each file: only the parsing is shared, never a value.
 */
const cached = new Map();

class CodeCacheRuntime extends Runtime {
  constructor(...args) {
    super(...args);
    const executor = this.executor;
    // Leans on jest-runtime's executor (Jest 30): if a release reshapes it, run as plain Jest.
    if (
      !executor ||
      typeof executor.compile !== 'function' ||
      typeof executor.dynamicImport !== 'function' ||
      !Array.isArray(executor.injectedModuleParameters) ||
      !executor.resolution ||
      !executor.environment
    ) {
      return;
    }
    const compile = executor.compile.bind(executor);
    executor.compile = (source, filename) => {
      const context = executor.environment.getVmContext();
      // A function compiled from a code cache loses its dynamic-import callback (Node 20 reports
      // "A dynamic import callback was not specified"): the few modules with an import() are
      // compiled by Jest as before.
      if (context == null || executor.resolution.isCoreModule(filename) || source.includes('import(')) {
        return compile(source, filename);
      }
      const entry = cached.get(filename);
      const hit = entry !== undefined && entry.length === source.length;
      let fn;
      try {
        fn = vm.compileFunction(source, executor.injectedModuleParameters, {
          filename,
          parsingContext: context,
          importModuleDynamically: (specifier, _function, importAttributes, ...rest) =>
            executor.dynamicImport(specifier, filename, context, importAttributes, rest[0]),
          ...(hit ? { cachedData: entry.data } : { produceCachedData: true }),
        });
      } catch {
        // Jest's own compile reports syntax errors (and ESM in a CommonJS file) its way.
        return compile(source, filename);
      }
      if (!hit || fn.cachedDataRejected) {
        if (fn.cachedDataProduced && fn.cachedData) {
          // A copy made here: the buffer V8 hands back belongs to the test file's realm, and keeping
          // it would keep that file's whole context (every module it loaded) for the worker's life.
          cached.set(filename, { length: source.length, data: Buffer.from(fn.cachedData) });
        } else if (hit) {
          cached.delete(filename);
        }
      }
      return fn;
    };
  }
}

module.exports = CodeCacheRuntime;
module.exports.default = CodeCacheRuntime;
