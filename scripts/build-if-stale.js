// Builds the server into dist/ only when a source is newer than the last build, so commands
// such as `npm run migration:run` and `npm run cli` do not rewrite dist/ (about 50 s of tsc)
// under processes that are running from it. Concurrent callers wait for one build.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const stamp = path.join(root, 'dist', '.build-stamp');
const lock = path.join(root, 'dist.build-lock');
const SOURCES = ['apps', 'libs', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json', 'scripts/copy-assets.js'];

function newest(p) {
  const st = fs.statSync(p, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.mtimeMs;
  let max = 0;
  for (const e of fs.readdirSync(p)) {
    if (e !== 'node_modules') max = Math.max(max, newest(path.join(p, e)));
  }
  return max;
}

function stale() {
  const built = fs.statSync(stamp, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  return SOURCES.some((s) => newest(path.join(root, s)) > built);
}

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

if (!stale()) process.exit(0);
const deadline = Date.now() + 10 * 60_000;
for (;;) {
  try {
    fs.mkdirSync(lock);
    break;
  } catch {
    // Another caller is building; a lock older than 10 minutes belongs to a dead build.
    const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
    if (age > 10 * 60_000) fs.rmSync(lock, { recursive: true, force: true });
    if (Date.now() > deadline) {
      console.error('build-if-stale: another build held the lock for 10 minutes');
      process.exit(1);
    }
    sleep(500);
  }
}
try {
  if (stale()) {
    const started = Date.now();
    console.error('Building the server (sources changed since the last build)...');
    const res = spawnSync('npm', ['run', '--silent', 'build:server'], { cwd: root, stdio: 'inherit' });
    if (res.status !== 0) process.exit(res.status ?? 1);
    fs.writeFileSync(stamp, new Date(started).toISOString() + '\n');
    fs.utimesSync(stamp, new Date(started), new Date(started));
  }
} finally {
  fs.rmSync(lock, { recursive: true, force: true });
}
