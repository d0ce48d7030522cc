#!/usr/bin/env node
// `npm test`: the console's component tests (Vitest, admin-ui) and the Jest suite (unit, e2e and
// the Chromium journeys), side by side. Alone, Jest kept the two cores busy about three quarters of
// the time (its workers wait on Chromium, SMTP and timers); Vitest's ~20 s, which ran before Jest
// started, fit in those gaps (the machine then measured about 95 % busy over the run). Jest's output streams as it comes; Vitest's is held and printed as
// one block when it ends, so the two never interleave line by line. Arguments go to Jest (as with
// `npm test -- test/mfa`). Exit status: 0 only when both passed.
'use strict';

const { spawn } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

/**
 * V8 flags for Jest and its workers (they inherit them). A test file's module graph and app are
 * garbage when it ends, and V8's concurrent GC spent about as much CPU on its helper threads as the
 * worker's own thread did: on this machine's two cores those threads only take time from the other
 * worker and Chromium. Marking on the worker's own thread, with a larger young generation (fewer
 * scavenges of the ~40 MB each file loads), cut a file's CPU by about a quarter (one worker, six
 * files booting the app: 3.3-3.8 -> 2.6 CPU-s a file) and test/accounts, mfa and identity on two
 * workers from 79.7 to 72.8 s (medians of four runs each, alternating). package.json's test:unit
 * and test:e2e pass the same flags.
 */
const JEST_GC_FLAGS = ['--single-threaded-gc', '--max-semi-space-size=32'];

function run(command, args, options, onChild = () => {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, ...options });
    onChild(child);
    child.on('error', (error) => resolve({ code: 1, error }));
    child.on('close', (code) => resolve({ code: code ?? 1 }));
    for (const sig of ['SIGINT', 'SIGTERM']) {
      process.on(sig, () => child.kill(sig));
    }
  });
}

async function main() {
  const held = [];
  const vitest = run(
    'npm',
    ['run', 'test', '--workspace', 'admin-ui', '--silent'],
    { stdio: ['ignore', 'pipe', 'pipe'], env: process.stdout.isTTY ? { ...process.env, FORCE_COLOR: '1' } : process.env },
    (child) => {
      child.stdout.on('data', (chunk) => held.push(chunk));
      child.stderr.on('data', (chunk) => held.push(chunk));
    },
  ).then((result) => {
    process.stdout.write('\n── Console component tests (Vitest, admin-ui) ──\n');
    process.stdout.write(Buffer.concat(held));
    if (result.error) {
      process.stdout.write(`Vitest did not start: ${result.error.message}\n`);
    }
    process.stdout.write(`── Vitest ${result.code === 0 ? 'passed' : 'FAILED'} ──\n\n`);
    return result.code;
  });

  const jest = run(
    process.execPath,
    ['--experimental-vm-modules', ...JEST_GC_FLAGS, path.join(root, 'node_modules/jest/bin/jest.js'), '--forceExit', ...process.argv.slice(2)],
    { stdio: 'inherit' },
  ).then((result) => result.code);

  const [vitestCode, jestCode] = await Promise.all([vitest, jest]);
  process.exit(vitestCode === 0 && jestCode === 0 ? 0 : 1);
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
