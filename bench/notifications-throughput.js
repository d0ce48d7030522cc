'use strict';
/**
 * 10,000 notifications from commit to the SMTP sink, against bull's own no-op job throughput
 * on the same Redis in the same run.
 *
 * Measured: one transaction commits N outbox rows (what NotificationsService.notify writes);
 * the clock starts at COMMIT and stops when the N-th message is accepted by a real SMTP server
 * (smtp-server on loopback, in this process). Between them: `npm run start:worker` processes
 * (dist/apps/worker/src/main.js, WORKERS of them, default 2) relay the rows with SKIP LOCKED
 * onto bull, claim each delivery, render the handlebars templates and send over SMTP.
 * Every Message-ID (= outbox id) must arrive exactly once: a duplicate or a missing one is a
 * hard failure.
 *
 * Baseline: the same N jobs on a fresh bull queue on the same Redis, added in bulk and
 * processed by a no-op handler with the worker's concurrency (8) per worker, WORKERS
 * consumers, from add to the last completion. Ratio = deliveries/s / no-op jobs/s.
 */
const fs = require('node:fs');

const L = require('./lib');

const COUNT = Number(process.env.BENCH_NOTIFY_COUNT || 10_000);
const REPS = Number(process.env.BENCH_NOTIFY_REPS || process.env.BENCH_REPS || 5);
const WORKERS = Number(process.env.BENCH_NOTIFY_WORKERS || 2);
const CONCURRENCY = 8;
const { REDIS_URL, WORKER_MAIN, startSink, startWorker } = require('./mail-lib');

async function commitBurst(dbUrl, tag) {
  const { Client } = require('pg');
  const c = new Client({ connectionString: dbUrl });
  await c.connect();
  try {
    await c.query('BEGIN');
    await c.query(
      `INSERT INTO notification_outbox (event, channel, recipient, payload, idempotency_key, status)
       SELECT 'security.backup_codes_low', 'email', 'bench-' || i || '@example.com',
              jsonb_build_object('name', 'Bench user ' || i, 'locale', 'en', 'data', jsonb_build_object('remaining', 2)),
              $1 || ':' || i, 'pending'
         FROM generate_series(1, $2::int) AS i`,
      [tag, COUNT],
    );
    await c.query('COMMIT');
    return Date.now();
  } finally {
    await c.end();
  }
}

async function deliveryRep(db, sink, rep, workerPids) {
  sink.seen.clear();
  const cpu0 = L.cpuSnapshot(workerPids);
  const done = new Promise((resolve) => {
    sink.onMessage(() => {
      if (sink.seen.size >= COUNT) resolve(Date.now());
    });
  });
  const committed = await commitBurst(db.url, `bench-${rep}-${L.runId()}`);
  const timeout = L.sleep(120_000).then(() => null);
  const finished = await Promise.race([done, timeout]);
  if (!finished) throw new Error(`only ${sink.seen.size}/${COUNT} delivered after 120 s`);
  const cpu = L.cpuDelta(cpu0, L.cpuSnapshot(workerPids));
  await L.sleep(500); // late duplicates would show up here
  const dupes = [...sink.seen.values()].filter((n) => n > 1).length;
  return { perSecond: COUNT / ((finished - committed) / 1000), ms: finished - committed, dupes, unique: sink.seen.size, cpu };
}

async function bullBaseline(rep) {
  const Bull = require('bull');
  const name = `bench-noop-${L.runId()}-${rep}`;
  const producer = new Bull(name, REDIS_URL, { prefix: 'latchkey-bench' });
  const consumers = Array.from({ length: WORKERS }, () => new Bull(name, REDIS_URL, { prefix: 'latchkey-bench' }));
  let completed = 0;
  let resolveDone;
  const done = new Promise((r) => (resolveDone = r));
  for (const q of consumers) {
    q.process('noop', CONCURRENCY, async () => {
      completed++;
      if (completed === COUNT) resolveDone(Date.now());
    });
  }
  await Promise.all(consumers.map((q) => q.isReady()));
  const t0 = Date.now();
  for (let i = 0; i < COUNT; i += 1000) {
    await producer.addBulk(
      Array.from({ length: Math.min(1000, COUNT - i) }, (_, j) => ({
        name: 'noop',
        data: { i: i + j },
        opts: { jobId: `${name}-${i + j}`, attempts: 5, removeOnComplete: 1000, removeOnFail: 5000 },
      })),
    );
  }
  const t1 = await done;
  await producer.obliterate({ force: true }).catch(() => undefined);
  await Promise.all([producer, ...consumers].map((q) => q.close()));
  return { perSecond: COUNT / ((t1 - t0) / 1000), ms: t1 - t0 };
}

L.runMain(async (onCleanup) => {
  console.log(
    `\n== notifications-throughput: ${COUNT} notifications commit -> SMTP sink, ${WORKERS} worker process(es), vs bull no-op jobs ==`,
  );
  if (!fs.existsSync(WORKER_MAIN)) {
    throw new Error(`${WORKER_MAIN} is missing: run npm run build:server first`);
  }
  const db = await L.createDatabase('notify');
  onCleanup(() => L.dropDatabase(db));
  // The API applies the migrations at start; then it leaves the machine to the workers.
  const api = await L.startApp({ db, name: 'notify-migrate' });
  await api.stop();
  const sink = await startSink();
  onCleanup(() => sink.close());
  const workers = Array.from({ length: WORKERS }, (_, i) => startWorker(db, sink.url, i, REDIS_URL));
  for (const w of workers) onCleanup(() => w.stop());
  await Promise.all(workers.map((w) => w.ready));

  // Warm-up: bull scripts loaded; the first delivery rep compiles the templates and opens the SMTP pools.
  const deliveries = [];
  const baselines = [];
  await bullBaseline('warm');
  for (let rep = 0; rep < REPS; rep++) {
    baselines.push(await bullBaseline(rep));
    deliveries.push(
      await deliveryRep(
        db,
        sink,
        rep,
        workers.map((w) => w.pid),
      ),
    );
    const b = baselines[rep];
    const d = deliveries[rep];
    const per = (k) => L.round((d.cpu[k] * 1000) / COUNT, 3);
    console.log(
      `rep ${rep + 1}: bull no-op ${Math.round(b.perSecond)} jobs/s (${b.ms} ms) | notifications ${Math.round(d.perSecond)} deliveries/s (${d.ms} ms, ${d.unique} unique, ${d.dupes} duplicated)` +
        ` | CPU ms per delivery: workers ${per('app')}, postgres ${per('postgres')}, redis ${per('redis')}, bench+sink ${per('bench')} (postgres and redis: every process on the machine)` +
        ` | load ${require('node:os').loadavg()[0].toFixed(1)}`,
    );
  }
  const dupes = deliveries.reduce((a, d) => a + d.dupes, 0);
  const measured = L.median(deliveries.map((d) => d.perSecond));
  const baseline = L.median(baselines.map((b) => b.perSecond));
  const ratio = L.round(measured / baseline, 3);
  // Peak sign-ins: signin-throughput's figure when bench/run.js ran it first, else this 2-core machine's (about 45/s).
  const peakSignins = Number(process.env.BENCH_PEAK_SIGNINS || 45);
  const perSignin = L.round(measured / peakSignins, 1);
  console.log(
    `deliveries/s ${Math.round(measured)} = ${ratio} x bull no-op jobs/s (goal >= 0.5), ${perSignin} x peak sign-ins/s ${peakSignins}` +
      ` (${process.env.BENCH_PEAK_SIGNINS ? 'measured in this run' : 'BENCH_PEAK_SIGNINS unset: 45/s, this machine'}; goal >= 20)`,
  );
  const exactlyOnce = dupes === 0 && deliveries.every((d) => d.unique === COUNT);
  L.emit({
    bench: 'notifications-throughput',
    count: COUNT,
    workers: WORKERS,
    baseline: { name: 'bull no-op jobs/s', median: Math.round(baseline) },
    measured: { name: 'deliveries/s (commit -> SMTP)', median: Math.round(measured) },
    ratio,
    reps: deliveries.map((d, i) => ({ deliveries: Math.round(d.perSecond), noop: Math.round(baselines[i].perSecond) })),
    load: require('node:os').loadavg()[0],
    perPeakSignin: perSignin,
    peakSignins,
    goal: 'ratio >= 0.5 and >= 20x peak sign-ins; every message exactly once (hard)',
    duplicates: dupes,
    exactlyOnce,
    pass: exactlyOnce && ratio >= 0.5 && perSignin >= 20,
  });
  return exactlyOnce ? 0 : 1;
});
