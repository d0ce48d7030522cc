const os = require('node:os');

const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
  },
];

// NestJS 12 and a few of its dependencies ship ESM only: let swc turn them into CommonJS.
const esm = '/node_modules/(?!(@nestjs|file-type|strtok3|token-types|@tokenizer|uint8array-extras|@borewit|load-esm|@noble|@scure|content-disposition|@apidevtools|openid-client|oauth4webapi|jose)/)';

const moduleNameMapper = {
  '^@latchkey/core/testing$': '<rootDir>/libs/core/src/testing/index.ts',
  '^@latchkey/(.*)$': '<rootDir>/libs/$1/src/index.ts',
};

const common = {
  transform: { '^.+\\.(t|j)sx?$': swc },
  transformIgnorePatterns: [esm],
  moduleNameMapper,
  testEnvironment: 'node',
  // Each module compiled once per worker and run anew in every test file (test/setup/shared-script-runtime.js).
  runtime: '<rootDir>/test/setup/shared-script-runtime.js',
};

module.exports = {
  // Hooks boot whole apps; on a busy 2-core machine that can take many seconds. Jest reads this
  // only at the top level (a project's own testTimeout is ignored).
  testTimeout: 120_000,
  // Each e2e file has its own database and ports, so files run side by side: two workers on a
  // 2-core machine take about half the time of one (much of a file's time is waiting on argon2,
  // PostgreSQL or Chromium).
  maxWorkers: Math.max(2, Math.floor(os.availableParallelism() * 0.75)),
  // A worker's heap used to grow by about 40 MB with every e2e file (each file's whole context was
  // kept: see test/setup/shared-script-runtime.js), and every later app boot paid for it in GC. That
  // is fixed (about 237 MB after a forced GC over fourteen files); a worker whose heap is still over
  // this after a file is replaced by a fresh one (600 MB replaced fewer and was no faster: README).
  workerIdleMemoryLimit: '400MB',
  globalSetup: '<rootDir>/test/setup/global-setup.ts',
  globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/apps/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      // Fails a test whose answers the OpenAPI document does not describe (test/setup/openapi-check.ts).
      setupFilesAfterEnv: ['<rootDir>/test/setup/openapi-setup.ts'],
    },
  ],
};
