'use strict';
/**
 * Members report and members.csv for accounts of 10,000 and 100,000 members (issue 5, item 10).
 * Seeds straight into PostgreSQL with INSERT ... SELECT generate_series (users, memberships,
 * ~30 % with a confirmed TOTP factor, ~50 % with a sign-in in login_activity), then measures
 * over HTTP against the built app: time to first byte, total time, and the app process's
 * resident memory (VmRSS sampled every 10 ms during the request, and VmHWM, the peak since start).
 * The CSV is streamed in keyset batches: its memory must not grow with the account size.
 * About 20 s (5 s of it seeding). In bench/run.js; alone: node bench/accounts-report.js after npm run build:server.
 * Knobs: BENCH_ACCOUNT_SIZES (10000,100000), BENCH_REPS (3), BENCH_APP_NODE_OPTIONS (--max-old-space-size=128; '' for none).
 */
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');

const L = require('./lib');

const SIZES = (process.env.BENCH_ACCOUNT_SIZES || '10000,100000').split(',').map(Number);
const REPS = Number(process.env.BENCH_REPS || 3);

function pgClient(url) {
  const { Client } = require(path.join(__dirname, '..', 'node_modules/pg'));
  return new Client({ connectionString: url });
}

function memKb(pid, field) {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+)`).exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : NaN;
  } catch {
    return NaN;
  }
}

/** One GET, streamed: TTFB = first body byte, total = end; RSS sampled while it runs. */
function timedGet(url, headers, pid) {
  return new Promise((resolve, reject) => {
    let peakRss = memKb(pid, 'VmRSS');
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, memKb(pid, 'VmRSS'));
    }, 10);
    const t0 = process.hrtime.bigint();
    let ttfb = null;
    let bytes = 0;
    let newlines = 0;
    const req = http.get(url, { headers }, (res) => {
      res.on('data', (chunk) => {
        if (ttfb === null) ttfb = Number(process.hrtime.bigint() - t0) / 1e6;
        bytes += chunk.length;
        for (let i = 0; i < chunk.length; i++) if (chunk[i] === 10) newlines++;
      });
      res.on('end', () => {
        clearInterval(sampler);
        peakRss = Math.max(peakRss, memKb(pid, 'VmRSS'));
        resolve({
          status: res.statusCode,
          ttfbMs: ttfb,
          totalMs: Number(process.hrtime.bigint() - t0) / 1e6,
          bytes,
          lines: newlines,
          peakRssMb: peakRss / 1024,
        });
      });
      res.on('error', reject);
    });
    req.on('error', (e) => {
      clearInterval(sampler);
      reject(e);
    });
  });
}

async function seedAccount(c, accountId, size, tag) {
  const t0 = Date.now();
  await c.query(
    `INSERT INTO users (email, display_name, password_hash, timezone, language, preferences, created_at, updated_at)
     SELECT 'm' || g || '-${tag}@bench.example.com', 'Member ' || g, NULL, 'UTC', 'en', '{}'::jsonb,
            now() - (g || ' seconds')::interval, now()
       FROM generate_series(1, $1) g`,
    [size],
  );
  await c.query(
    `INSERT INTO memberships (account_id, user_id, role, created_at, updated_at)
     SELECT $1, u.id, (ARRAY['admin','member','member','member','viewer'])[1 + (row_number() OVER (ORDER BY u.email)) % 5],
            now() - (random() * interval '365 days'), now()
       FROM users u WHERE u.email LIKE '%-${tag}@bench.example.com'`,
    [accountId],
  );
  await c.query(
    `INSERT INTO mfa_factors (user_id, kind, name, secret_sealed, confirmed_at)
     SELECT user_id, 'totp', 'Authenticator app', 'bench', now() FROM memberships WHERE account_id = $1 AND random() < 0.3
     ON CONFLICT DO NOTHING`,
    [accountId],
  );
  await c.query(
    `INSERT INTO login_activity (user_id, occurred_at, outcome, ip)
     SELECT user_id, now() - (random() * interval '30 days'), 'success', '127.0.0.1'
       FROM memberships WHERE account_id = $1 AND random() < 0.5`,
    [accountId],
  );
  await c.query('ANALYZE');
  return Date.now() - t0;
}

L.runMain(async (onCleanup) => {
  console.log(`\n== accounts-report: members report and members.csv at ${SIZES.join(" and ")} members ==`);
  const db = await L.createDatabase("accounts");
  if (process.env.BENCH_KEEP_DB) console.log(`(keeping database ${db.name})`);
  else onCleanup(() => L.dropDatabase(db));
  // The app's heap is capped so peak RSS shows what the CSV holds, not garbage V8 has not yet
  // collected (uncapped, V8 lets ~120 MB of dead batches pile up at 100k rows before a major GC).
  const nodeOptions = process.env.BENCH_APP_NODE_OPTIONS ?? '--max-old-space-size=128';
  console.log(`app NODE_OPTIONS: ${nodeOptions || '(none)'}`);
  const app = await L.startApp({ db, name: 'accounts', extraEnv: nodeOptions ? { NODE_OPTIONS: nodeOptions } : {} });
  onCleanup(() => app.stop());
  const [ownerEmail] = await L.insertUsers(db.url, `acc-${L.runId()}`, 1);
  const login = await L.login(app.url, ownerEmail, L.PASSWORD);
  const auth = { Authorization: `Bearer ${login.body.session.token}` };

  const c = pgClient(db.url);
  await c.connect();
  onCleanup(() => c.end());
  const rows = [];
  const results = {};
  for (const size of SIZES) {
    const created = await L.request('POST', `${app.url}/api/v1/accounts`, { body: { name: `Bench ${size}` }, headers: auth });
    const accountId = created.body.id;
    const seedMs = await seedAccount(c, accountId, size, `s${size}`);
    const base = `${app.url}/api/v1/accounts/${accountId}`;
    const cases = [
      ["report page 1 (limit 100, joinedAt)", `${base}/members?limit=100`],
      ["report page 1 (limit 100, email)", `${base}/members?limit=100&sort=email`],
      ["report mfa=none (limit 100)", `${base}/members?limit=100&mfa=none`],
      ["report sort=mfa (limit 100)", `${base}/members?limit=100&sort=mfa`],
      ["report sort=mfa desc, mfa=enabled (limit 100)", `${base}/members?limit=100&sort=mfa&order=desc&mfa=enabled`],
      ["console count of mfa=none (range [0,0])", `${base}/members?range=${encodeURIComponent("[0,0]")}&filter=${encodeURIComponent('{"mfa":"none"}')}`],
      ["react-admin mfa=none range [0,24] + total", `${base}/members?range=${encodeURIComponent("[0,24]")}&filter=${encodeURIComponent('{"mfa":"none"}')}&sort=${encodeURIComponent('["mfa","ASC"]')}`],
      ["react-admin range [0,24] + total", `${base}/members?range=${encodeURIComponent("[0,24]")}&sort=${encodeURIComponent('["email","ASC"]')}`],
      ["members.csv (all rows)", `${base}/members.csv`],
    ];
    await timedGet(cases[0][1], auth, app.pid); // warm-up
    for (const [label, url] of cases) {
      const runs = [];
      for (let r = 0; r < REPS; r++) runs.push(await timedGet(url, auth, app.pid));
      if (runs.some((x) => x.status !== 200)) {
        if (process.env.BENCH_ALLOW_400 && runs.every((x) => x.status === 400)) continue; // a case the build does not support yet
        throw new Error(`${label}: status ${runs.map((x) => x.status)}`);
      }
      const row = {
        members: size,
        request: label,
        'TTFB ms (median)': L.round(L.median(runs.map((x) => x.ttfbMs)), 1),
        'total ms (median)': L.round(L.median(runs.map((x) => x.totalMs)), 1),
        'peak RSS MB': L.round(Math.max(...runs.map((x) => x.peakRssMb)), 1),
        KB: L.round(runs[0].bytes / 1024, 0),
      };
      if (label.startsWith('members.csv')) {
        row.rows = runs[0].lines - 1;
        if (row.rows !== size + 1) throw new Error(`CSV has ${row.rows} rows, expected ${size + 1} (the owner too)`);
      }
      rows.push(row);
      results[`${size}:${label}`] = row;
    }
    console.log(`(seeded ${size} members in ${seedMs} ms)`);
  }
  console.log(L.table(rows));
  const hwm = memKb(app.pid, 'VmHWM') / 1024;
  console.log(`app process peak RSS since start (VmHWM): ${L.round(hwm, 1)} MB`);
  const csvSmall = results[`${SIZES[0]}:members.csv (all rows)`];
  const csvLarge = results[`${SIZES[SIZES.length - 1]}:members.csv (all rows)`];
  const growth = csvLarge['peak RSS MB'] - csvSmall['peak RSS MB'];
  console.log(
    `CSV peak RSS grows by ${L.round(growth, 1)} MB from ${SIZES[0]} to ${SIZES[SIZES.length - 1]} members (constant memory: < 50 MB growth)`,
  );
  L.emit({
    bench: 'accounts-report',
    sizes: SIZES,
    reps: REPS,
    rows,
    vmHwmMb: L.round(hwm, 1),
    baseline: { name: `MB CSV peak RSS at ${SIZES[0]}`, median: csvSmall['peak RSS MB'] },
    measured: {
      name: `MB CSV peak RSS at ${SIZES[SIZES.length - 1]} (TTFB ${csvLarge['TTFB ms (median)']} ms, total ${csvLarge['total ms (median)']} ms)`,
      median: csvLarge['peak RSS MB'],
    },
    ratio: L.round(csvLarge['peak RSS MB'] / csvSmall['peak RSS MB'], 3),
    goal: 'CSV memory flat across sizes (< 50 MB growth)',
    pass: growth < 50,
  });
  return 0;
});
