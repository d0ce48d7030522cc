// The fleet suite (`npm run test:fleet`): real API and worker processes behind HAProxy over a
// private PostgreSQL and Redis, through restarts and kills. Not part of `npm test`: it needs the
// PostgreSQL server binaries and HAProxy (installed on demand on Debian as root) and a build.
const base = require('./jest.config.js');
const e2e = base.projects.find((p) => p.displayName === 'e2e');

module.exports = {
  testTimeout: 180_000,
  maxWorkers: 1,
  projects: [{ ...e2e, displayName: 'fleet', testMatch: ['<rootDir>/test/fleet/**/*.fleet-spec.ts'] }],
};
