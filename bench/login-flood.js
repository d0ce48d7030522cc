'use strict';
/**
 * P9, a login flood does not starve reads. Authenticated GET /api/v1/me (autocannon, 20
 * connections) measured quiet, then while sign-ins are offered open-loop (a fixed arrival rate,
 * whatever the answers) at 2x the app's measured sign-in capacity. Sign-ins the hash pool cannot
 * finish in time must be shed at once with 503 + Retry-After (SIGN_IN_BUSY), not queued.
 * Quiet and flood alternate; the figures are medians of the per-rep values.
 * Goal: reads under the flood >= 0.5x their quiet rate, read p99 < 50 ms.
 * Knobs: BENCH_REPS (3), BENCH_FLOOD_SECONDS (5), BENCH_FLOOD_FACTOR (2).
 * Run: node bench/login-flood.js (after npm run build:server).
 */
const autocannon = require('autocannon');
const http = require('node:http');

const L = require('./lib');

const REPS = Number(process.env.BENCH_REPS || 3);
const SECONDS = Number(process.env.BENCH_FLOOD_SECONDS || 5);
const FACTOR = Number(process.env.BENCH_FLOOD_FACTOR || 2);
const READ_CONNECTIONS = 20;
const USERS = 512;

function reads(url, token, seconds) {
  return new Promise((resolve, reject) => {
    autocannon(
      { url: `${url}/api/v1/me`, connections: READ_CONNECTIONS, duration: seconds, headers: { authorization: `Bearer ${token}` } },
      (err, res) =>
        err ? reject(err) : resolve({ rps: res['2xx'] / res.duration, p50: res.latency.p50, p99: res.latency.p99, non2xx: res.non2xx }),
    );
  });
}

/** Closed loop, 2 x cores clients: the sign-ins/s the app sustains (its hash capacity, in practice). */
async function capacity(url, emails, seconds) {
  const agent = L.agentFor(2 * L.CORES);
  const end = Date.now() + seconds * 1000;
  let ok = 0;
  let i = 0;
  await Promise.all(
    Array.from({ length: 2 * L.CORES }, async () => {
      while (Date.now() < end) {
        const r = await L.login(url, emails[i++ % emails.length], L.PASSWORD, { agent });
        if (r.status === 200) ok++;
      }
    }),
  );
  return ok / seconds;
}

/** Open loop: `rate` sign-ins per second for `seconds`, each on its own request, answers counted. */
async function flood(url, emails, rate, seconds) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1024 });
  const counts = { 200: 0, 503: 0, other: 0, retryAfter: 0 };
  const okMs = [];
  const shedMs = [];
  const pending = [];
  const t0 = Date.now();
  let sent = 0;
  let i = 0;
  await new Promise((resolve) => {
    const tick = setInterval(() => {
      const due = Math.floor(((Date.now() - t0) / 1000) * rate);
      for (; sent < due; sent++) {
        pending.push(
          L.login(url, emails[i++ % emails.length], L.PASSWORD, { agent, timeoutMs: 60_000 })
            .then((r) => {
              if (r.status === 200) {
                counts[200]++;
                okMs.push(r.ms);
              } else if (r.status === 503) {
                counts[503]++;
                shedMs.push(r.ms);
                if (Number(r.headers['retry-after']) >= 1) counts.retryAfter++;
              } else counts.other++;
            })
            .catch(() => counts.other++),
        );
      }
      if (Date.now() - t0 >= seconds * 1000) {
        clearInterval(tick);
        resolve();
      }
    }, 5);
  });
  await Promise.all(pending);
  agent.destroy();
  return { offered: sent, counts, okP99: L.percentile(okMs, 99), shedP99: L.percentile(shedMs, 99) };
}

L.runMain(async (onCleanup) => {
  console.log(`\n== login-flood: GET /api/v1/me quiet vs under ${FACTOR}x offered sign-ins ==`);
  const db = await L.createDatabase('flood');
  onCleanup(() => L.dropDatabase(db));
  const app = await L.startApp({ db, name: 'flood' });
  onCleanup(() => app.stop());
  const emails = await L.insertUsers(db.url, `flood-${L.runId()}`, USERS);
  const reader = await L.login(app.url, emails[0], L.PASSWORD);
  const token = reader.body.session.token;
  await reads(app.url, token, 2); // warm-up
  const cap = await capacity(app.url, emails, 4);
  const rate = Math.max(1, Math.round(cap * FACTOR));
  console.log(`sign-in capacity ${L.round(cap, 1)}/s (closed loop, ${2 * L.CORES} clients); offering ${rate}/s open loop for ${SECONDS} s`);
  const rows = [];
  const ratios = [];
  const p99s = [];
  for (let r = 0; r < REPS; r++) {
    const quiet = await reads(app.url, token, SECONDS);
    const [loud, f] = await Promise.all([reads(app.url, token, SECONDS), flood(app.url, emails, rate, SECONDS)]);
    ratios.push(loud.rps / quiet.rps);
    p99s.push(loud.p99);
    rows.push({
      rep: r + 1,
      'quiet reads/s': L.round(quiet.rps, 0),
      'quiet p99 ms': quiet.p99,
      'flood reads/s': L.round(loud.rps, 0),
      'flood p99 ms': loud.p99,
      ratio: L.round(loud.rps / quiet.rps, 3),
      'sign-ins offered': f.offered,
      'signed in (200)': f.counts[200],
      'shed (503)': f.counts[503],
      '503 w/ Retry-After': f.counts.retryAfter,
      other: f.counts.other,
      '200 p99 ms': L.round(f.okP99, 0),
      '503 p99 ms': L.round(f.shedP99, 0),
    });
    if (loud.non2xx) console.log(`(rep ${r + 1}: ${loud.non2xx} non-2xx reads)`);
  }
  console.log(L.table(rows));
  const ratio = L.median(ratios);
  const p99 = L.median(p99s);
  console.log(`reads under the flood: ${L.round(ratio, 3)}x quiet (goal >= 0.5), p99 ${p99} ms (goal < 50 ms), medians of ${REPS}`);
  L.emit({
    bench: 'login-flood',
    reps: REPS,
    rows,
    baseline: { name: 'quiet GET /me/s', median: L.round(L.median(rows.map((x) => x['quiet reads/s'])), 0) },
    measured: {
      name: `GET /me/s under ${rate} offered sign-ins/s (${FACTOR}x capacity ${L.round(cap, 1)}/s); read p99 ${p99} ms; shed ${L.median(rows.map((x) => x['shed (503)']))} of ${L.median(rows.map((x) => x['sign-ins offered']))}`,
      median: L.round(L.median(rows.map((x) => x['flood reads/s'])), 0),
    },
    ratio: L.round(ratio, 3),
    goal: 'reads >= 0.5x quiet, p99 < 50 ms',
    pass: ratio >= 0.5 && p99 < 50,
  });
  return 0;
});
