"use strict";
/**
 * Data export in constant memory (issue 17, item 1): a user with 200,000 login-activity rows and
 * 200,000 audit entries against a user with 1,000 of each. Seeds straight into PostgreSQL with
 * INSERT ... SELECT generate_series, starts the API (migrations, routes) and one worker process
 * (`start:worker`, bull on Redis, its heap capped like accounts-report so RSS shows what is held,
 * not garbage V8 has not collected yet), asks for each export over HTTP, samples the worker's
 * VmRSS every 10 ms until the export is ready, and downloads it through the API.
 * Goal: the worker's peak RSS does not grow with the user's rows (< 50 MB growth).
 * About a minute. Alone: node bench/export-memory.js after npm run build:server.
 * Knobs: BENCH_EXPORT_ROWS (200000), BENCH_EXPORT_SMALL_ROWS (1000), BENCH_REPS (3),
 * BENCH_WORKER_NODE_OPTIONS (--max-old-space-size=128; '' for none).
 */
const crypto = require("node:crypto");
const { spawn } = require("node:child_process");
const fs = require("node:fs");
const http = require("node:http");
const os = require("node:os");
const path = require("node:path");

const L = require("./lib");

const LARGE = Number(process.env.BENCH_EXPORT_ROWS || 200000);
const SMALL = Number(process.env.BENCH_EXPORT_SMALL_ROWS || 1000);
const REPS = Number(process.env.BENCH_REPS || 3);
const WORKER_MAIN = path.resolve(__dirname, "../dist/apps/worker/src/main.js");

function memKb(pid, field) {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+)`).exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : NaN;
  } catch {
    return NaN;
  }
}

function startWorker(db, env) {
  const child = spawn(process.execPath, [WORKER_MAIN], {
    cwd: path.resolve(__dirname, ".."),
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: "development", LOG_LEVEL: "warn", DATABASE_URL: db.url, REDIS_URL: L.REDIS_URL, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  let exited = null;
  child.once("exit", (code, signal) => (exited = { code, signal }));
  const ready = new Promise((resolve, reject) => {
    const onData = (d) => {
      output = (output + d.toString()).slice(-20000);
      if (/worker running/.test(output)) resolve();
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", (code) => reject(new Error(`worker exited (${code}):\n${output}`)));
  });
  return {
    pid: child.pid,
    ready,
    output: () => output,
    exited: () => exited,
    async stop() {
      const done = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      const t = setTimeout(() => child.kill("SIGKILL"), 5000);
      await done;
      clearTimeout(t);
    },
  };
}

async function seedUser(c, email, rows) {
  const [{ id }] = (await c.query(`SELECT id FROM users WHERE email = $1`, [email])).rows;
  await c.query(
    `INSERT INTO login_activity (user_id, occurred_at, outcome, ip, user_agent, browser, os, device_type, location)
     SELECT $1, now() - make_interval(secs => g), 'success', '198.51.100.' || (g % 250), 'Mozilla/5.0 (X11; Linux x86_64) Bench/1.0',
            'Firefox', 'Linux', 'desktop', 'PT'
       FROM generate_series(1, $2) g`,
    [id, rows],
  );
  await c.query(
    `INSERT INTO audit_log (occurred_at, action, actor_user_id, actor_kind, subject_user_id, ip, user_agent, metadata)
     SELECT now() - make_interval(secs => g), 'auth.login_succeeded', $1, 'user', $1, '198.51.100.' || (g % 250),
            'Mozilla/5.0 (X11; Linux x86_64) Bench/1.0', jsonb_build_object('method', 'password', 'n', g)
       FROM generate_series(1, $2) g`,
    [id, rows],
  );
  await c.query("ANALYZE login_activity");
  await c.query("ANALYZE audit_log");
  return id;
}

/** Polls the export until ready, sampling the worker's RSS every 10 ms meanwhile. */
async function exportOnce(apiUrl, auth, worker) {
  const workerPid = worker.pid;
  const before = memKb(workerPid, "VmRSS");
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, memKb(workerPid, "VmRSS"));
  }, 10);
  const t0 = Date.now();
  try {
    const started = await L.request("POST", `${apiUrl}/api/v1/me/exports`, { body: {}, headers: auth });
    if (started.status !== 202) throw new Error(`POST /me/exports: ${started.status} ${JSON.stringify(started.body)}`);
    for (;;) {
      const s = await L.request("GET", `${apiUrl}/api/v1/me/exports/${started.body.id}`, { headers: auth });
      if (s.body.state === "ready") {
        return { id: started.body.id, ms: Date.now() - t0, beforeMb: before / 1024, peakMb: peak / 1024, sizeBytes: s.body.sizeBytes };
      }
      if (s.body.state === "failed") throw new Error(`export failed: ${JSON.stringify(s.body)}`);
      if (worker.exited()) throw new Error(`the worker exited (${JSON.stringify(worker.exited())}) at ${s.body.progress}%:\n${worker.output()}`);
      await L.sleep(50);
    }
  } finally {
    clearInterval(sampler);
  }
}

function downloadBytes(url, headers) {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        let bytes = 0;
        res.on("data", (c) => (bytes += c.length));
        res.on("end", () => resolve({ status: res.statusCode, bytes }));
        res.on("error", reject);
      })
      .on("error", reject);
  });
}

L.runMain(async (onCleanup) => {
  console.log(`\n== export-memory: worker RSS exporting a user with ${SMALL} vs ${LARGE} login-activity + audit rows ==`);
  const db = await L.createDatabase("export");
  onCleanup(() => L.dropDatabase(db));
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "latchkey-bench-export-"));
  onCleanup(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
  // API and worker share the export folder and the key, as a fleet's volume and settings do.
  const shared = { DATA_DIR: dataDir, DATA_ENCRYPTION_KEY: crypto.randomBytes(32).toString("base64") };
  const app = await L.startApp({ db, name: "export", extraEnv: shared });
  onCleanup(() => app.stop());
  const nodeOptions = process.env.BENCH_WORKER_NODE_OPTIONS ?? "--max-old-space-size=128";
  console.log(`worker NODE_OPTIONS: ${nodeOptions || "(none)"}`);
  const worker = startWorker(db, { ...shared, PUBLIC_URL: app.url, ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}) });
  onCleanup(() => worker.stop());
  await worker.ready;

  const sizes = [SMALL, LARGE];
  // One more small user: a warm-up export (code loaded, pools filled), not counted.
  const emails = await L.insertUsers(db.url, `exp-${L.runId()}`, sizes.length * REPS + 1);
  const { Client } = require(path.join(__dirname, "..", "node_modules/pg"));
  const c = new Client({ connectionString: db.url });
  await c.connect();
  onCleanup(() => c.end());
  const t0 = Date.now();
  const users = [];
  for (let r = 0; r < REPS; r++) {
    for (const [i, rows] of sizes.entries()) {
      const email = emails[r * sizes.length + i];
      await seedUser(c, email, rows);
      users.push({ email, rows });
    }
  }
  console.log(`(seeded in ${Date.now() - t0} ms)`);

  const warmUp = emails[emails.length - 1];
  await seedUser(c, warmUp, SMALL);
  const warmLogin = await L.login(app.url, warmUp, L.PASSWORD);
  await exportOnce(app.url, { Authorization: `Bearer ${warmLogin.body.session.token}` }, worker);

  const results = [];
  for (const u of users) {
    const login = await L.login(app.url, u.email, L.PASSWORD);
    const auth = { Authorization: `Bearer ${login.body.session.token}` };
    const run = await exportOnce(app.url, auth, worker);
    const dl = await downloadBytes(`${app.url}/api/v1/me/exports/${run.id}/download`, auth);
    if (dl.status !== 200 || dl.bytes !== run.sizeBytes) throw new Error(`download: ${dl.status}, ${dl.bytes} of ${run.sizeBytes} bytes`);
    results.push({ ...u, ...run });
  }
  const rowsOut = results.map((r) => ({
    "rows (each table)": r.rows,
    "export ms": r.ms,
    "worker RSS before MB": L.round(r.beforeMb, 1),
    "worker peak RSS MB": L.round(r.peakMb, 1),
    "zip KB": L.round(r.sizeBytes / 1024, 0),
  }));
  console.log(L.table(rowsOut));
  const peakOf = (rows) => L.median(results.filter((r) => r.rows === rows).map((r) => r.peakMb));
  const small = peakOf(SMALL);
  const large = peakOf(LARGE);
  const growth = large - small;
  const hwm = memKb(worker.pid, "VmHWM") / 1024;
  console.log(`worker peak RSS since start (VmHWM): ${L.round(hwm, 1)} MB`);
  console.log(
    `median worker peak RSS: ${L.round(small, 1)} MB at ${SMALL} rows, ${L.round(large, 1)} MB at ${LARGE} rows: growth ${L.round(growth, 1)} MB (goal: < 50 MB, flat)`,
  );
  L.emit({
    bench: "export-memory",
    reps: REPS,
    rows: rowsOut,
    vmHwmMb: L.round(hwm, 1),
    baseline: { name: `MB worker peak RSS exporting ${SMALL} rows`, median: L.round(small, 1) },
    measured: { name: `MB worker peak RSS exporting ${LARGE} rows (median ${L.median(results.filter((r) => r.rows === LARGE).map((r) => r.ms))} ms)`, median: L.round(large, 1) },
    ratio: L.round(large / small, 3),
    goal: "worker memory flat across user sizes (< 50 MB growth)",
    pass: growth < 50,
  });
  return 0;
});
