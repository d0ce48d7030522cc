// Lets plain `node` run the TypeScript sources (apps/, libs/) without a build: .ts files are
// compiled on require by @swc/core with the same options Jest uses, and `@latchkey/<lib>`
// resolves through the tsconfig paths. NestJS 12 ships ESM only; Node >= 20.19 requires it as is.
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');

const swc = require('@swc/core');

const root = path.resolve(__dirname, '..');
const OPTIONS = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};

const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  const lib = /^@latchkey\/([a-z-]+)(\/testing)?$/.exec(request);
  if (lib) {
    request = path.join(root, 'libs', lib[1], 'src', lib[2] ? 'testing' : '', 'index.ts');
  }
  return resolve.call(this, request, ...rest);
};

require.extensions['.ts'] = (module, filename) => {
  const { code } = swc.transformSync(fs.readFileSync(filename, 'utf8'), { ...OPTIONS, filename });
  module._compile(code, filename);
};
