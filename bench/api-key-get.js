'use strict';
/**
 * GET /api/v1/me with an API key (`Authorization: Bearer lk_pat_…`: the key row, the user and,
 * for a bound key, the membership read from PostgreSQL on every request, plus the per-key rate
 * limit in Redis) against the bare public GET /health of the same app, 50 connections.
 * Then: revocation is instant on every instance (revoke on A, the next request on B gets 401).
 * Goal: ratio >= 0.70 (the session figure's goal), and every revocation trial refused on B.
 */
const autocannon = require('autocannon');

const L = require('./lib');

const REPS = Number(process.env.BENCH_REPS || 5);
const SECONDS = Number(process.env.BENCH_GET_SECONDS || 5);
const CONNECTIONS = 50;
const REVOCATION_TRIALS = 5;
const GOAL = 0.7;
const EXTRA_ENV = { API_KEY_REQUESTS_PER_MINUTE: '1000000' };

function cannon(url, headers, seconds) {
  return new Promise((resolve, reject) => {
    autocannon({ url, connections: CONNECTIONS, duration: seconds, headers, pipelining: 1 }, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

function summarize(res) {
  return { rps: res['2xx'] / res.duration, p50: res.latency.p50, p99: res.latency.p99, non2xx: res.non2xx, errors: res.errors + res.timeouts };
}

async function createKey(url, session, password) {
  const res = await L.request('POST', `${url}/api/v1/me/api-keys`, {
    headers: { authorization: `Bearer ${session}` },
    body: { name: `bench-${L.runId()}`, scopes: ['read'], password },
  });
  if (res.status !== 201) throw new Error(`key creation failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

L.runMain(async (onCleanup) => {
  console.log(`\n== api-key-get: GET /api/v1/me with an API key vs GET /health, ${CONNECTIONS} connections ==`);
  const db = await L.createDatabase('apikey');
  onCleanup(() => L.dropDatabase(db));
  const a = await L.startApp({ db, name: 'A', extraEnv: EXTRA_ENV });
  onCleanup(() => a.stop());
  const [email] = await L.insertUsers(db.url, `apikey-${L.runId()}`, 1);
  const signin = await L.login(a.url, email, L.PASSWORD);
  if (signin.status !== 200 || !signin.body.session) throw new Error(`sign-in failed: ${signin.status}`);
  const session = signin.body.session.token;
  const { secret } = await createKey(a.url, session, L.PASSWORD);
  const auth = { authorization: `Bearer ${secret}` };
  const probe = await L.request('GET', `${a.url}/api/v1/me`, { headers: auth });
  if (probe.status !== 200) throw new Error(`GET /me with the key answered ${probe.status}`);

  process.stdout.write('warming up... ');
  await cannon(`${a.url}/health`, {}, 2);
  await cannon(`${a.url}/api/v1/me`, auth, 2);
  console.log('done');

  const rows = [];
  const health = [];
  const me = [];
  const ratios = [];
  for (let rep = 1; rep <= REPS; rep++) {
    const h = summarize(await cannon(`${a.url}/health`, {}, SECONDS));
    const m = summarize(await cannon(`${a.url}/api/v1/me`, auth, SECONDS));
    health.push(h);
    me.push(m);
    ratios.push(m.rps / h.rps);
    rows.push({ rep, endpoint: '/health', 'rps (2xx)': L.round(h.rps, 0), 'p50 ms': h.p50, 'p99 ms': h.p99, 'non-2xx': h.non2xx });
    rows.push({ rep, endpoint: '/me (API key)', 'rps (2xx)': L.round(m.rps, 0), 'p50 ms': m.p50, 'p99 ms': m.p99, 'non-2xx': m.non2xx });
  }
  const med = (xs, k) => L.median(xs.map((x) => x[k]));
  const ratio = L.median(ratios);
  console.log(L.table(rows));
  console.log(`ratio /me (API key) : /health = ${L.round(ratio, 3)} (goal >= ${GOAL}): ${ratio >= GOAL ? 'PASS' : 'MISS'}`);

  console.log('\n-- revocation: create a key on A, revoke it on A, next request on B --');
  const b = await L.startApp({ db, name: 'B', extraEnv: EXTRA_ENV });
  onCleanup(() => b.stop());
  let instant = 0;
  for (let i = 1; i <= REVOCATION_TRIALS; i++) {
    const issued = await createKey(a.url, session, L.PASSWORD);
    const h = { authorization: `Bearer ${issued.secret}` };
    const before = await L.request('GET', `${b.url}/api/v1/me`, { headers: h });
    const revoke = await L.request('DELETE', `${a.url}/api/v1/me/api-keys/${issued.key.id}`, { headers: { authorization: `Bearer ${session}` } });
    const after = await L.request('GET', `${b.url}/api/v1/me`, { headers: h });
    if (before.status === 200 && revoke.status === 204 && after.status === 401) instant++;
  }
  console.log(`  ${instant}/${REVOCATION_TRIALS} trials: 200 on B before, 401 on B on the very next request after the revoke on A`);
  L.emit({
    bench: 'api-key-get',
    connections: CONNECTIONS,
    reps: REPS,
    baseline: { name: 'GET /health rps', median: L.round(med(health, 'rps'), 1), runs: health.map((x) => L.round(x.rps, 1)) },
    measured: {
      name: 'GET /api/v1/me (API key) rps',
      median: L.round(med(me, 'rps'), 1),
      runs: me.map((x) => L.round(x.rps, 1)),
      p50ms: med(me, 'p50'),
      p99ms: med(me, 'p99'),
    },
    ratio: L.round(ratio, 3),
    ratioRuns: ratios.map((x) => L.round(x, 3)),
    goal: `>= ${GOAL} and revocation instant on every instance`,
    revocation: { trials: REVOCATION_TRIALS, instant },
    pass: ratio >= GOAL && instant === REVOCATION_TRIALS,
  });
  return instant === REVOCATION_TRIALS ? 0 : 1;
});
