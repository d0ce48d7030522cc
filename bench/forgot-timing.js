'use strict';
/**
 * Forgot-password and register time for a known address against an unknown one. One request at
 * a time, the two kinds shuffled together (seeded), every request on a fresh
 * address (an existing user never asked for before, or a new random address) so the per-address
 * mail cap never triggers. Each rep yields a median per kind; the figures are medians of reps.
 * Goal: known / unknown within 0.9 .. 1.1 for both routes, with identical answers.
 */
const L = require('./lib');

const REPS = Number(process.env.BENCH_REPS || 3);
const SAMPLES = Number(process.env.BENCH_TIMING_SAMPLES || 40);
const WARMUP = 10;
const LOW = 0.9;
const HIGH = 1.1;
// Idle time between requests, so the work a known address starts after its answer has finished
// before the next request is timed (the figure is the answer time a caller sees). 0 measures
// back-to-back requests, where that work and the next request share the cores.
const GAP_MS = Number(process.env.BENCH_GAP_MS ?? 40);

/** mulberry32: the same sequence every run. */
function seeded(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = seeded(42);

async function measure(label, known, unknown) {
  for (let i = 0; i < WARMUP; i++) {
    await known();
    await unknown();
  }
  const rows = [];
  const kMeds = [];
  const uMeds = [];
  const answers = new Set();
  for (let rep = 1; rep <= REPS; rep++) {
    const k = [];
    const u = [];
    // Every request's kind in a seeded random order (not alternating pairs): the per-user work of a
    // known address runs after its answer and can slow whatever comes next, so each kind must be
    // as likely as the other to follow a known one. Pairs would put an unknown after a known in
    // three cases of four.
    const order = [...Array(SAMPLES).fill(known), ...Array(SAMPLES).fill(unknown)];
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    for (const f of order) {
      if (GAP_MS > 0) await L.sleep(GAP_MS);
      const r = await f();
      answers.add(`${r.status} ${JSON.stringify(r.body)}`);
      (f === known ? k : u).push(r.ms);
    }
    kMeds.push(L.median(k));
    uMeds.push(L.median(u));
    rows.push({
      rep,
      'known p50 ms': L.round(L.median(k), 2),
      'unknown p50 ms': L.round(L.median(u), 2),
      ratio: L.round(L.median(k) / L.median(u), 3),
      'known p90 ms': L.round(L.percentile(k, 90), 2),
      'unknown p90 ms': L.round(L.percentile(u, 90), 2),
    });
  }
  const kMed = L.median(kMeds);
  const uMed = L.median(uMeds);
  const ratio = kMed / uMed;
  rows.push({
    rep: 'median',
    'known p50 ms': L.round(kMed, 2),
    'unknown p50 ms': L.round(uMed, 2),
    ratio: L.round(ratio, 3),
  });
  console.log(`\n-- ${label} --`);
  console.log(L.table(rows));
  const sameAnswer = answers.size === 1;
  console.log(`answers seen: ${[...answers].join(' | ')}${sameAnswer ? ' (identical for both)' : ' (DIFFERENT!)'}`);
  const pass = ratio >= LOW && ratio <= HIGH && sameAnswer;
  console.log(`ratio known / unknown = ${L.round(ratio, 3)} (goal ${LOW}..${HIGH}): ${pass ? 'PASS' : 'MISS'}`);
  return { kMed, uMed, kMeds, uMeds, ratio, pass, answers: [...answers] };
}

L.runMain(async (onCleanup) => {
  console.log(
    `\n== forgot-timing: forgot-password and register latency, known vs unknown address (${REPS} x ${SAMPLES} each, ${GAP_MS} ms between requests) ==`,
  );
  const db = await L.createDatabase('forgot');
  onCleanup(() => L.dropDatabase(db));
  const app = await L.startApp({
    db,
    name: 'forgot',
    extraEnv: {
      MAIL_PER_IP_HOURLY: '100000000',
      SIGNUP_PER_IP_HOURLY: '100000000',
    },
  });
  onCleanup(() => app.stop());
  const id = L.runId();
  const per = REPS * SAMPLES + WARMUP;
  const forgotUsers = await L.insertUsers(db.url, `fk-${id}`, per);
  const registerUsers = await L.insertUsers(db.url, `rk-${id}`, per);
  const agent = L.agentFor(1);
  let n = 0;
  const post = (path, body) => L.request('POST', `${app.url}${path}`, { body, agent });

  let fk = 0;
  const forgot = await measure(
    'POST /api/v1/auth/password/forgot',
    () => post('/api/v1/auth/password/forgot', { email: forgotUsers[fk++] }),
    () =>
      post('/api/v1/auth/password/forgot', {
        email: `nobody-${id}-${n++}@example.com`,
      }),
  );
  let rk = 0;
  const body = (email) => ({
    email,
    password: 'Violet-anchor-tundra-42',
    displayName: 'Bench',
  });
  const register = await measure(
    'POST /api/v1/auth/register',
    () => post('/api/v1/auth/register', body(registerUsers[rk++])),
    () => post('/api/v1/auth/register', body(`new-${id}-${n++}@example.com`)),
  );

  L.emit({
    bench: 'forgot-timing',
    reps: REPS,
    samplesPerRep: SAMPLES,
    baseline: {
      name: 'unknown address, forgot: median ms',
      median: L.round(forgot.uMed, 2),
      runs: forgot.uMeds.map((x) => L.round(x, 2)),
    },
    measured: {
      name: 'known address, forgot: median ms',
      median: L.round(forgot.kMed, 2),
      runs: forgot.kMeds.map((x) => L.round(x, 2)),
    },
    ratio: L.round(forgot.ratio, 3),
    register: {
      knownMedianMs: L.round(register.kMed, 2),
      unknownMedianMs: L.round(register.uMed, 2),
      ratio: L.round(register.ratio, 3),
      pass: register.pass,
    },
    goal: `${LOW}..${HIGH}`,
    answers: [...forgot.answers, ...register.answers],
    pass: forgot.pass && register.pass,
  });
  return 0;
});
