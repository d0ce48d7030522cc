'use strict';
/**
 * Sign-ins per second over HTTP against raw argon2id verifications per second on all cores.
 *
 * Baseline: `verify` from @node-rs/argon2 (same hash, same OWASP parameters as the app) kept
 * busy with one call in flight per core, in this process, while the app sits idle.
 * Measured: POST /api/v1/auth/login with the right password, 2 x cores concurrent keep-alive
 * clients, cycling over many distinct users so per-email limits never trigger.
 * The two alternate (baseline, HTTP, baseline, HTTP, ...); each rep gives a paired ratio (the two
 * measured back to back), and the reported ratio is the median of those paired ratios, which
 * stays honest when a shared machine slows down one rep.
 * Goal: ratio >= 0.85.
 *
 * Then P2, the tail at a steady load: sign-ins offered open loop at 70 % of the measured peak
 * (evenly spaced, each on a free keep-alive socket, whatever the answers), BENCH_P2_SECONDS (8) per
 * rep, BENCH_P2_REPS (3) reps; the p99 latency of the successful sign-ins against one hash's
 * latency (a serial verify in this process while the app idles). Goal: p99 <= 3 x one hash.
 */
const L = require('./lib');

const REPS = Number(process.env.BENCH_REPS || 5);
const SECONDS = Number(process.env.BENCH_SIGNIN_SECONDS || 5);
const BASE_SECONDS = Number(process.env.BENCH_BASE_SECONDS || 4);
const CONCURRENCY = 2 * L.CORES;
const USERS = 256;
const GOAL = 0.85;
const P2_SECONDS = Number(process.env.BENCH_P2_SECONDS || 8);
const P2_REPS = Number(process.env.BENCH_P2_REPS || 3);
const P2_LOAD = 0.7;
const P2_GOAL = 3;

/** Sign-ins offered at `rate` per second for `seconds`, open loop; latencies of the answers. */
async function openLoopSignins(app, emails, rate, seconds, cursor) {
  const agent = L.agentFor(512);
  const lat = [];
  const bad = {};
  const pending = [];
  const t0 = Date.now();
  const total = Math.round(rate * seconds);
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const email = emails[cursor.i++ % emails.length];
    pending.push(
      L.login(app.url, email, L.PASSWORD, { agent }).then((r) => {
        if (r.status === 200 && r.body && r.body.status === 'authenticated') lat.push(r.ms);
        else bad[r.status] = (bad[r.status] || 0) + 1;
      }),
    );
  }
  await Promise.all(pending);
  return { offered: total, ok: lat.length, errors: bad, p50: L.percentile(lat, 50), p99: L.percentile(lat, 99) };
}

/** Keeps `inFlight` verify calls running for `seconds`; returns verifications per second. */
async function rawVerifyRate(hash, seconds, inFlight) {
  const { verify } = L.argon2();
  let done = 0;
  const end = Date.now() + seconds * 1000;
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (Date.now() < end) {
        if (!(await verify(hash, L.PASSWORD))) throw new Error('verify returned false');
        done++;
      }
    }),
  );
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  return {
    rate: done / secs,
    count: done,
    cpuMsPerVerify: (c.user + c.system) / 1000 / done,
  };
}

/** `concurrency` keep-alive clients signing in for `seconds`; returns sign-ins per second. */
async function httpSigninRate(app, emails, seconds, concurrency, cursor) {
  const agent = L.agentFor(concurrency);
  let ok = 0;
  const bad = {};
  const lat = [];
  const end = Date.now() + seconds * 1000;
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < end) {
        const email = emails[cursor.i++ % emails.length];
        const r = await L.login(app.url, email, L.PASSWORD, { agent });
        if (r.status === 200 && r.body && r.body.status === 'authenticated') {
          ok++;
          lat.push(r.ms);
        } else {
          bad[r.status] = (bad[r.status] || 0) + 1;
        }
      }
    }),
  );
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  return {
    rate: ok / secs,
    count: ok,
    errors: bad,
    p50: L.percentile(lat, 50),
    p99: L.percentile(lat, 99),
  };
}

L.runMain(async (onCleanup) => {
  console.log(`\n== signin-throughput: HTTP sign-ins/s vs raw argon2id verify/s (${L.CORES} cores) ==`);
  const db = await L.createDatabase('signin');
  onCleanup(() => L.dropDatabase(db));
  const app = await L.startApp({ db, name: 'signin' });
  onCleanup(() => app.stop());
  const id = L.runId();
  const emails = await L.insertUsers(db.url, `tp-${id}`, USERS);
  const userHash = await L.passwordHash(); // the very hash the users have
  const cursor = { i: 0 };

  // Warm-up: JIT, connection pools, the first new-device notification of most users.
  process.stdout.write('warming up... ');
  await httpSigninRate(app, emails, 3, CONCURRENCY, cursor);
  await rawVerifyRate(userHash, 1, L.CORES);
  console.log('done');

  // Serial latency: one request at a time, to show the non-hash work per sign-in.
  const serialLogin = [];
  const serialVerify = [];
  for (let i = 0; i < 15; i++) {
    serialLogin.push((await L.login(app.url, emails[cursor.i++ % emails.length], L.PASSWORD)).ms);
    const t = process.hrtime.bigint();
    await L.argon2().verify(userHash, L.PASSWORD);
    serialVerify.push(Number(process.hrtime.bigint() - t) / 1e6);
  }

  const rows = [];
  const base = [];
  const http = [];
  const cpu = [];
  const ratios = [];
  const verifyCpu = [];
  for (let rep = 1; rep <= REPS; rep++) {
    const b = await rawVerifyRate(userHash, BASE_SECONDS, L.CORES);
    base.push(b.rate);
    verifyCpu.push(b.cpuMsPerVerify);
    const s0 = L.cpuSnapshot([app.pid]);
    const h = await httpSigninRate(app, emails, SECONDS, CONCURRENCY, cursor);
    const d = L.cpuDelta(s0, L.cpuSnapshot([app.pid]));
    cpu.push(d);
    http.push(h.rate);
    ratios.push(h.rate / b.rate);
    if (Object.keys(h.errors).length) console.log(`  rep ${rep}: unexpected statuses ${JSON.stringify(h.errors)}`);
    rows.push({
      rep,
      'raw verify/s': L.round(b.rate, 1),
      'sign-ins/s': L.round(h.rate, 1),
      ratio: L.round(h.rate / b.rate, 3),
      'p50 ms': L.round(h.p50, 1),
      'p99 ms': L.round(h.p99, 1),
      'cpu app/pg/redis/bench s': `${d.app}/${d.postgres}/${d.redis}/${d.bench} of ${L.round(d.wallSeconds * L.CORES, 1)}`,
    });
  }
  const baseMed = L.median(base);
  const httpMed = L.median(http);
  const ratio = L.median(ratios); // median of the paired (back-to-back) ratios
  rows.push({
    rep: 'median',
    'raw verify/s': L.round(baseMed, 1),
    'sign-ins/s': L.round(httpMed, 1),
    ratio: L.round(ratio, 3),
  });
  console.log(L.table(rows));

  // Where the time goes: CPU seconds per sign-in, split by process, against one raw verify.
  const verifyCpuMs = L.median(verifyCpu); // CPU of this process (argon2 threads) per verify
  const per = (k) => L.median(cpu.map((c, i) => (1000 * c[k]) / (http[i] * c.wallSeconds)));
  const breakdown = {
    rawVerifyCpuMs: L.round(verifyCpuMs, 2),
    appCpuMsPerSignin: L.round(per('app'), 2),
    appNonHashCpuMsPerSignin: L.round(per('app') - verifyCpuMs, 2),
    postgresCpuMsPerSignin: L.round(per('postgres'), 2),
    redisCpuMsPerSignin: L.round(per('redis'), 2),
    benchClientCpuMsPerSignin: L.round(per('bench'), 2),
    serialSigninMs: L.round(L.median(serialLogin), 2),
    serialVerifyMs: L.round(L.median(serialVerify), 2),
  };
  console.log(
    `\nserial (1 in flight): sign-in ${breakdown.serialSigninMs} ms vs verify ${breakdown.serialVerifyMs} ms` +
      ` -> ${L.round(breakdown.serialSigninMs - breakdown.serialVerifyMs, 2)} ms of non-hash latency per sign-in`,
  );
  console.log(
    `CPU per sign-in under load: app ${breakdown.appCpuMsPerSignin} ms (hash ~${breakdown.rawVerifyCpuMs}, other ${breakdown.appNonHashCpuMsPerSignin}),` +
      ` postgres ${breakdown.postgresCpuMsPerSignin} ms, redis ${breakdown.redisCpuMsPerSignin} ms, load client ${breakdown.benchClientCpuMsPerSignin} ms`,
  );
  const pass = ratio >= GOAL;
  console.log(`ratio ${L.round(ratio, 3)} (goal >= ${GOAL}): ${pass ? 'PASS' : 'MISS'}`);

  // P2: the tail at 70 % of the peak just measured, against one hash.
  const p2Rate = httpMed * P2_LOAD;
  const oneHashMs = L.median(serialVerify);
  const p2Rows = [];
  const p2Ratios = [];
  for (let rep = 1; rep <= P2_REPS; rep++) {
    const o = await openLoopSignins(app, emails, p2Rate, P2_SECONDS, cursor);
    p2Ratios.push(o.p99 / oneHashMs);
    if (Object.keys(o.errors).length) console.log(`  P2 rep ${rep}: unexpected statuses ${JSON.stringify(o.errors)}`);
    p2Rows.push({
      rep,
      offered: o.offered,
      'signed in': o.ok,
      'p50 ms': L.round(o.p50, 1),
      'p99 ms': L.round(o.p99, 1),
      'p99 / one hash': L.round(o.p99 / oneHashMs, 2),
    });
  }
  const p2 = L.median(p2Ratios);
  p2Rows.push({ rep: 'median', 'p99 / one hash': L.round(p2, 2) });
  console.log(
    `\nP2: sign-ins offered at ${L.round(p2Rate, 1)}/s (70 % of ${L.round(httpMed, 1)}/s), open loop; one hash ${L.round(oneHashMs, 2)} ms`,
  );
  console.log(L.table(p2Rows));
  const p2Pass = p2 <= P2_GOAL;
  console.log(`P2 p99 / one hash ${L.round(p2, 2)} (goal <= ${P2_GOAL}): ${p2Pass ? 'PASS' : 'MISS'}`);
  L.emit({
    bench: 'signin-throughput',
    cores: L.CORES,
    concurrency: CONCURRENCY,
    reps: REPS,
    baseline: {
      name: 'raw argon2id verify/s',
      median: L.round(baseMed, 2),
      runs: base.map((x) => L.round(x, 2)),
    },
    measured: {
      name: 'HTTP sign-ins/s',
      median: L.round(httpMed, 2),
      runs: http.map((x) => L.round(x, 2)),
    },
    ratio: L.round(ratio, 3),
    ratioRuns: ratios.map((x) => L.round(x, 3)),
    goal: `>= ${GOAL}`,
    pass,
    breakdown,
    p2: {
      name: 'sign-in p99 at 70 % of peak / one hash',
      offeredPerSecond: L.round(p2Rate, 1),
      oneHashMs: L.round(oneHashMs, 2),
      ratio: L.round(p2, 2),
      ratioRuns: p2Ratios.map((x) => L.round(x, 2)),
      goal: `<= ${P2_GOAL}`,
      pass: p2Pass,
    },
  });
  return 0; // a missed ratio is reported, not a failure
});
