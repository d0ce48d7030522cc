'use strict';
/**
 * Sign-in time for an unknown email against a wrong password for an existing email.
 * One request at a time (no queueing noise), the two kinds alternating, every attempt on a
 * fresh email (a new random address, or an existing user never tried before) so the per-email
 * lockout never triggers. Each rep yields a median per kind; the figures are medians of reps.
 * Goal: unknown / wrong within 0.9 .. 1.1. Both must answer the same status and body code.
 */
const L = require('./lib');

const REPS = Number(process.env.BENCH_REPS || 3);
const SAMPLES = Number(process.env.BENCH_TIMING_SAMPLES || 40);
const WARMUP = 10;
const LOW = 0.9;
const HIGH = 1.1;

L.runMain(async (onCleanup) => {
  console.log(`\n== unknown-vs-wrong: sign-in latency, unknown email vs wrong password (${REPS} x ${SAMPLES} each) ==`);
  const db = await L.createDatabase('timing');
  onCleanup(() => L.dropDatabase(db));
  const app = await L.startApp({ db, name: 'timing' });
  onCleanup(() => app.stop());
  const id = L.runId();
  const existing = await L.insertUsers(db.url, `uw-${id}`, REPS * SAMPLES + WARMUP);
  let next = 0;
  let unknownN = 0;
  const agent = L.agentFor(1);
  const unknown = () => L.login(app.url, `nobody-${id}-${unknownN++}@example.com`, 'Wrong-password-123', { agent });
  const wrong = () => L.login(app.url, existing[next++], 'Wrong-password-123', { agent });

  // Warm-up, including the app's lazily built dummy hash.
  for (let i = 0; i < WARMUP; i++) {
    await unknown();
    await wrong();
  }

  const rows = [];
  const uMeds = [];
  const wMeds = [];
  const answers = new Set();
  for (let rep = 1; rep <= REPS; rep++) {
    const u = [];
    const w = [];
    for (let i = 0; i < SAMPLES; i++) {
      // Alternate which goes first so drift and ordering effects cancel.
      const pair = i % 2 ? [unknown, wrong] : [wrong, unknown];
      for (const f of pair) {
        const r = await f();
        answers.add(`${r.status} ${r.body && r.body.code}`);
        (f === unknown ? u : w).push(r.ms);
      }
    }
    const um = L.median(u);
    const wm = L.median(w);
    uMeds.push(um);
    wMeds.push(wm);
    rows.push({
      rep,
      'unknown p50 ms': L.round(um, 2),
      'wrong p50 ms': L.round(wm, 2),
      ratio: L.round(um / wm, 3),
      'unknown p90 ms': L.round(L.percentile(u, 90), 2),
      'wrong p90 ms': L.round(L.percentile(w, 90), 2),
    });
  }
  const uMed = L.median(uMeds);
  const wMed = L.median(wMeds);
  const ratio = uMed / wMed;
  rows.push({
    rep: 'median',
    'unknown p50 ms': L.round(uMed, 2),
    'wrong p50 ms': L.round(wMed, 2),
    ratio: L.round(ratio, 3),
  });
  console.log(L.table(rows));
  const sameAnswer = answers.size === 1;
  console.log(`answers seen (status code): ${[...answers].join(', ')}${sameAnswer ? ' (identical for both)' : ' (DIFFERENT!)'}`);
  const pass = ratio >= LOW && ratio <= HIGH && sameAnswer;
  console.log(`ratio unknown / wrong = ${L.round(ratio, 3)} (goal ${LOW}..${HIGH}): ${pass ? 'PASS' : 'MISS'}`);
  L.emit({
    bench: 'unknown-vs-wrong',
    reps: REPS,
    samplesPerRep: SAMPLES,
    baseline: {
      name: 'wrong password, existing email: median ms',
      median: L.round(wMed, 2),
      runs: wMeds.map((x) => L.round(x, 2)),
    },
    measured: {
      name: 'unknown email: median ms',
      median: L.round(uMed, 2),
      runs: uMeds.map((x) => L.round(x, 2)),
    },
    ratio: L.round(ratio, 3),
    goal: `${LOW}..${HIGH}`,
    answers: [...answers],
    pass,
  });
  return 0;
});
