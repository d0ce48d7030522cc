'use strict';
/**
 * Shared helpers for the benchmarks: a throw-away PostgreSQL database, app processes started
 * from dist/, users inserted straight into the `users` table, a keep-alive HTTP client, medians,
 * and /proc CPU accounting (Linux) for "where does the time go" hints.
 *
 * Everything talks to 127.0.0.1 only.
 */
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');

const ROOT = path.resolve(__dirname, '..');
const MAIN = path.join(ROOT, 'dist/apps/api/src/main.js');
const PG_ADMIN_URL = process.env.BENCH_PG_ADMIN_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const PG_BASE = PG_ADMIN_URL.replace(/\/[^/]*$/, '');
// A Redis database of its own (same server), so the benchmark's rate-limit counters and queues
// never touch keys that e2e suites running on this machine use in db 0.
const REDIS_URL = process.env.BENCH_REDIS_URL || 'redis://127.0.0.1:6379/13';
const PASSWORD = 'Bench-correct-horse-42!';
const CORES = os.availableParallelism ? os.availableParallelism() : os.cpus().length;
// Same parameters as libs/core/src/crypto/password-hasher.ts (OWASP argon2id baseline).
const ARGON2_OPTIONS = {
  algorithm: 2,
  memoryCost: 19456,
  timeCost: 2,
  parallelism: 1,
};

function argon2() {
  return require(path.join(ROOT, 'node_modules/@node-rs/argon2'));
}

function pg() {
  return require(path.join(ROOT, 'node_modules/pg'));
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function percentile(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

const round = (x, d = 2) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : x);

function runId() {
  return `${Date.now().toString(36)}${crypto.randomBytes(3).toString('hex')}`;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function withPg(url, fn) {
  const { Client } = pg();
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function createDatabase(tag) {
  const name = `latchkey_bench_${tag}_${runId()}`.replace(/[^a-z0-9_]/g, '_');
  await withPg(PG_ADMIN_URL, (c) => c.query(`CREATE DATABASE "${name}"`));
  return { name, url: `${PG_BASE}/${name}` };
}

async function dropDatabase(db) {
  if (!db) return;
  await withPg(PG_ADMIN_URL, (c) => c.query(`DROP DATABASE IF EXISTS "${db.name}" WITH (FORCE)`)).catch((e) =>
    console.error(`(could not drop ${db.name}: ${e.message})`),
  );
}

/** One argon2id hash shared by every bench user: the verify cost is the same for each. */
let sharedHash;
async function passwordHash() {
  sharedHash ??= await argon2().hash(PASSWORD, ARGON2_OPTIONS);
  return sharedHash;
}

/** Inserts `count` users named bench-<prefix>-<i>@example.com, all with PASSWORD. Returns their emails. */
async function insertUsers(dbUrl, prefix, count) {
  const hash = await passwordHash();
  const emails = Array.from({ length: count }, (_, i) => `bench-${prefix}-${i}@example.com`);
  await withPg(dbUrl, async (c) => {
    for (let i = 0; i < emails.length; i += 500) {
      const chunk = emails.slice(i, i + 500);
      await c.query(
        `INSERT INTO users (email, display_name, password_hash, timezone, language, preferences)
         SELECT e, 'Bench user', $2, 'UTC', 'en', '{}'::jsonb FROM unnest($1::text[]) AS e`,
        [chunk, hash],
      );
    }
  });
  return emails;
}

/** Starts `node dist/apps/api/src/main.js` and waits for GET /ready = 200. */
async function startApp({ db, name = 'app', extraEnv = {} }) {
  if (!fs.existsSync(MAIN)) {
    throw new Error(`${MAIN} is missing: run npm run build:server first (npm run bench does).`);
  }
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `latchkey-bench-${name}-`));
  const url = `http://127.0.0.1:${port}`;
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PORT: String(port),
    DATABASE_URL: db.url,
    REDIS_URL,
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    LOGIN_IP_LIMIT: '100000000',
    LOGIN_MAX_FAILURES: '5',
    PUBLIC_URL: url,
    DATA_DIR: dataDir,
    ...extraEnv,
    // BENCH_APP_ENV, e.g. "HASH_NICE=0": settings for the app under test, to compare two in one sitting.
    ...Object.fromEntries(
      (process.env.BENCH_APP_ENV || '')
        .split(/\s+/)
        .filter(Boolean)
        .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
    ),
  };
  // BENCH_APP_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof": flags NODE_OPTIONS refuses.
  const nodeArgs = (process.env.BENCH_APP_NODE_ARGS || '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, MAIN], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (d) => {
    output = (output + d.toString()).slice(-20000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = null;
  child.on('exit', (code, signal) => {
    exited = { code, signal };
  });
  const app = {
    name,
    url,
    port,
    pid: child.pid,
    output: () => output,
    async stop() {
      if (exited) return;
      const done = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const t = setTimeout(() => !exited && child.kill('SIGKILL'), 5000);
      await done;
      clearTimeout(t);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (exited) {
      throw new Error(`${name} exited during start (${JSON.stringify(exited)}):\n${output}`);
    }
    const r = await request('GET', `${url}/ready`, { timeoutMs: 2000 }).catch(() => null);
    if (r && r.status === 200) break;
    if (Date.now() > deadline) {
      await app.stop();
      throw new Error(`${name} not ready after 90 s:\n${output}`);
    }
    await sleep(200);
  }
  return app;
}

const agents = new Map();
function agentFor(maxSockets) {
  if (!agents.has(maxSockets)) {
    agents.set(maxSockets, new http.Agent({ keepAlive: true, maxSockets }));
  }
  return agents.get(maxSockets);
}

/** A keep-alive HTTP request; resolves {status, headers, body (parsed JSON when possible), ms}. */
function request(method, url, { body, headers = {}, agent, timeoutMs = 30_000 } = {}) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const h = { accept: 'application/json', ...headers };
    if (payload) {
      h['content-type'] = 'application/json';
      h['content-length'] = payload.length;
    }
    const t0 = process.hrtime.bigint();
    const req = http.request(url, { method, headers: h, agent: agent || agentFor(64) }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        const text = Buffer.concat(chunks).toString();
        let parsed = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          /* not JSON */
        }
        resolve({
          status: res.statusCode,
          headers: res.headers,
          body: parsed,
          ms,
        });
      });
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`timeout ${method} ${url}`)));
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

function login(baseUrl, email, password, opts = {}) {
  return request('POST', `${baseUrl}/api/v1/auth/login`, {
    body: { email, password },
    ...opts,
  });
}

/** utime+stime in seconds of a process and its threads, from /proc (Linux only; 0 elsewhere). */
function cpuSeconds(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const hz = 100;
    return (Number(f[11]) + Number(f[12])) / hz;
  } catch {
    return 0;
  }
}

/** CPU seconds of every process named `comm` (e.g. postgres, redis-server). */
function cpuOfComm(comm) {
  let total = 0;
  let dirs = [];
  try {
    dirs = fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return 0;
  }
  for (const d of dirs) {
    try {
      if (fs.readFileSync(`/proc/${d}/comm`, 'utf8').trim().startsWith(comm)) total += cpuSeconds(d);
    } catch {
      /* gone */
    }
  }
  return total;
}

/** Snapshot of CPU seconds: app process(es), postgres, redis, this bench process. */
function cpuSnapshot(appPids = []) {
  return {
    t: Date.now(),
    app: appPids.reduce((s, p) => s + cpuSeconds(p), 0),
    postgres: cpuOfComm('postgres'),
    redis: cpuOfComm('redis-server'),
    bench: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
  };
}

function cpuDelta(a, b) {
  const wall = (b.t - a.t) / 1000;
  const out = { wallSeconds: round(wall, 2) };
  for (const k of ['app', 'postgres', 'redis', 'bench']) out[k] = round(b[k] - a[k], 2);
  return out;
}

function table(rows, columns) {
  const cols = columns || [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v) => (v === undefined || v === null ? '' : String(v));
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals) => vals.map((v, i) => cell(v).padEnd(widths[i])).join('  ');
  return [line(cols), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map((r) => line(cols.map((c) => r[c])))].join('\n');
}

/** The machine-readable last line every bench prints; bench/run.js parses it. */
function emit(result) {
  console.log(`BENCH_RESULT ${JSON.stringify(result)}`);
}

/** Runs main(); always cleans up; exit code 1 on error or on a missed hard assertion. */
function runMain(main) {
  const cleanups = [];
  const cleanup = async () => {
    while (cleanups.length) {
      await cleanups
        .pop()()
        .catch((e) => console.error(`cleanup: ${e.message}`));
    }
  };
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.once(sig, () => cleanup().finally(() => process.exit(130)));
  }
  main((fn) => cleanups.push(fn))
    .then(async (code) => {
      await cleanup();
      process.exit(code || 0);
    })
    .catch(async (err) => {
      console.error(err && err.stack ? err.stack : err);
      await cleanup();
      process.exit(1);
    });
}

module.exports = {
  ARGON2_OPTIONS,
  CORES,
  PASSWORD,
  REDIS_URL,
  argon2,
  agentFor,
  cpuDelta,
  cpuSnapshot,
  createDatabase,
  dropDatabase,
  emit,
  freePort,
  insertUsers,
  login,
  median,
  passwordHash,
  percentile,
  request,
  round,
  runId,
  runMain,
  sleep,
  startApp,
  table,
};
