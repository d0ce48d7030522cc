'use strict';
/**
 * Authenticated GET /api/v1/me (Bearer session: token lookup in PostgreSQL on every request)
 * against the bare public GET /health of the same app, 50 connections, with p50/p99 latency.
 * Then: revocation is instant on every instance: two app processes on one database and one
 * Redis; sign in on A, revoke every session on A, the very next request on B must get 401.
 * The two alternate; the ratio is the median of the per-rep (back-to-back) ratios.
 * Goal: ratio >= 0.70, and every revocation trial refused on B.
 */
const autocannon = require('autocannon');

const L = require('./lib');

const REPS = Number(process.env.BENCH_REPS || 5);
const SECONDS = Number(process.env.BENCH_GET_SECONDS || 5);
const CONNECTIONS = 50;
const REVOCATION_TRIALS = 10;
const GOAL = 0.7;

function cannon(url, headers, seconds) {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url,
        connections: CONNECTIONS,
        duration: seconds,
        headers,
        pipelining: 1,
      },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
  });
}

function summarize(res) {
  const ok = res['2xx'];
  const secs = res.duration;
  return {
    rps: ok / secs,
    p50: res.latency.p50,
    p99: res.latency.p99,
    non2xx: res.non2xx,
    errors: res.errors + res.timeouts,
  };
}

L.runMain(async (onCleanup) => {
  console.log(`\n== authenticated-get: GET /api/v1/me vs GET /health, ${CONNECTIONS} connections ==`);
  const db = await L.createDatabase('get');
  onCleanup(() => L.dropDatabase(db));
  const a = await L.startApp({ db, name: 'A' });
  onCleanup(() => a.stop());
  const id = L.runId();
  const [email, revEmail] = await L.insertUsers(db.url, `get-${id}`, 2);
  const signin = await L.login(a.url, email, L.PASSWORD);
  if (signin.status !== 200 || !signin.body.session) throw new Error(`sign-in failed: ${signin.status} ${JSON.stringify(signin.body)}`);
  const auth = { authorization: `Bearer ${signin.body.session.token}` };
  const probe = await L.request('GET', `${a.url}/api/v1/me`, { headers: auth });
  if (probe.status !== 200) throw new Error(`GET /me answered ${probe.status}`);

  process.stdout.write('warming up... ');
  await cannon(`${a.url}/health`, {}, 2);
  await cannon(`${a.url}/api/v1/me`, auth, 2);
  console.log('done');

  const rows = [];
  const health = [];
  const me = [];
  const ratios = [];
  for (let rep = 1; rep <= REPS; rep++) {
    const hs0 = L.cpuSnapshot([a.pid]);
    const h = summarize(await cannon(`${a.url}/health`, {}, SECONDS));
    h.cpu = L.cpuDelta(hs0, L.cpuSnapshot([a.pid]));
    const s0 = L.cpuSnapshot([a.pid]);
    const m = summarize(await cannon(`${a.url}/api/v1/me`, auth, SECONDS));
    const d = L.cpuDelta(s0, L.cpuSnapshot([a.pid]));
    m.cpu = d;
    health.push(h);
    me.push(m);
    ratios.push(m.rps / h.rps); // paired: measured back to back
    for (const [name, r] of [
      ['/health', h],
      ['/api/v1/me', m],
    ]) {
      rows.push({
        rep,
        endpoint: name,
        'rps (2xx)': L.round(r.rps, 0),
        'p50 ms': r.p50,
        'p99 ms': r.p99,
        'non-2xx': r.non2xx,
        errors: r.errors,
      });
    }
    rows[rows.length - 2]['cpu app/pg/client s'] =
      `${h.cpu.app}/${h.cpu.postgres}/${h.cpu.bench} of ${L.round(h.cpu.wallSeconds * L.CORES, 1)}`;
    rows[rows.length - 1]['cpu app/pg/client s'] = `${d.app}/${d.postgres}/${d.bench} of ${L.round(d.wallSeconds * L.CORES, 1)}`;
    if (m.non2xx || m.errors) console.log(`  rep ${rep}: /me had ${m.non2xx} non-2xx and ${m.errors} errors`);
  }
  const med = (xs, k) => L.median(xs.map((x) => x[k]));
  const hRps = med(health, 'rps');
  const mRps = med(me, 'rps');
  const ratio = L.median(ratios); // median of the paired ratios
  rows.push({
    rep: 'median',
    endpoint: '/health',
    'rps (2xx)': L.round(hRps, 0),
    'p50 ms': med(health, 'p50'),
    'p99 ms': med(health, 'p99'),
  });
  rows.push({
    rep: 'median',
    endpoint: '/api/v1/me',
    'rps (2xx)': L.round(mRps, 0),
    'p50 ms': med(me, 'p50'),
    'p99 ms': med(me, 'p99'),
  });
  console.log(L.table(rows));
  // Where the time goes: CPU microseconds per successful request, by process.
  const perReq = (runs, k) => L.median(runs.map((r) => (1e6 * r.cpu[k]) / (r.rps * r.cpu.wallSeconds)));
  const breakdown = {};
  for (const [name, runs] of [
    ['health', health],
    ['me', me],
  ]) {
    breakdown[name] = {
      appCpuUs: L.round(perReq(runs, 'app'), 0),
      postgresCpuUs: L.round(perReq(runs, 'postgres'), 0),
      clientCpuUs: L.round(perReq(runs, 'bench'), 0),
    };
  }
  console.log(
    `CPU per request: /health app ${breakdown.health.appCpuUs} us, pg ${breakdown.health.postgresCpuUs} us, client ${breakdown.health.clientCpuUs} us;` +
      ` /me app ${breakdown.me.appCpuUs} us, pg ${breakdown.me.postgresCpuUs} us, client ${breakdown.me.clientCpuUs} us`,
  );
  console.log(`ratio /me : /health = ${L.round(ratio, 3)} (goal >= ${GOAL}): ${ratio >= GOAL ? 'PASS' : 'MISS'}`);

  // Revocation across instances.
  console.log('\n-- revocation: sign in on A, revoke-all on A, next request on B --');
  const b = await L.startApp({ db, name: 'B' });
  onCleanup(() => b.stop());
  const trials = [];
  for (let i = 1; i <= REVOCATION_TRIALS; i++) {
    const s = await L.login(a.url, revEmail, L.PASSWORD);
    if (s.status !== 200) throw new Error(`sign-in on A failed: ${s.status} ${JSON.stringify(s.body)}`);
    const h = { authorization: `Bearer ${s.body.session.token}` };
    const before = await L.request('GET', `${b.url}/api/v1/me`, { headers: h });
    const revoke = await L.request('POST', `${a.url}/api/v1/me/sessions/revoke-all`, { headers: h });
    const after = await L.request('GET', `${b.url}/api/v1/me`, { headers: h });
    const afterA = await L.request('GET', `${a.url}/api/v1/me`, { headers: h });
    trials.push({
      before: before.status,
      revoke: revoke.status,
      revokedCount: revoke.body && revoke.body.revoked,
      afterOnB: after.status,
      afterOnA: afterA.status,
    });
    if (i === 1) {
      console.log(`  POST ${a.url}/api/v1/auth/login            -> ${s.status} ${s.body.status}`);
      console.log(`  GET  ${b.url}/api/v1/me (B, before)        -> ${before.status}`);
      console.log(`  POST ${a.url}/api/v1/me/sessions/revoke-all -> ${revoke.status} ${JSON.stringify(revoke.body)}`);
      console.log(`  GET  ${b.url}/api/v1/me (B, next request)  -> ${after.status} ${JSON.stringify(after.body).slice(0, 160)}`);
    }
  }
  const instant = trials.filter((t) => t.before === 200 && t.revoke === 200 && t.afterOnB === 401 && t.afterOnA === 401).length;
  console.log(`  ${instant}/${trials.length} trials: 200 on B before, 401 on B (and A) on the very next request after revoke-all on A`);

  const pass = ratio >= GOAL && instant === trials.length;
  L.emit({
    bench: 'authenticated-get',
    connections: CONNECTIONS,
    reps: REPS,
    baseline: {
      name: 'GET /health rps',
      median: L.round(hRps, 1),
      runs: health.map((x) => L.round(x.rps, 1)),
      p50ms: med(health, 'p50'),
      p99ms: med(health, 'p99'),
    },
    measured: {
      name: 'GET /api/v1/me rps',
      median: L.round(mRps, 1),
      runs: me.map((x) => L.round(x.rps, 1)),
      p50ms: med(me, 'p50'),
      p99ms: med(me, 'p99'),
    },
    ratio: L.round(ratio, 3),
    ratioRuns: ratios.map((x) => L.round(x, 3)),
    goal: `>= ${GOAL} and revocation instant on every instance`,
    revocation: { trials: trials.length, instant, firstTrial: trials[0] },
    pass,
    breakdown,
  });
  return instant === trials.length ? 0 : 1;
});
