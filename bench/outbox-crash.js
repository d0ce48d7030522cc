'use strict';
/**
 * The crash window: 10,000 notifications stream into the outbox while a worker is SIGKILLed 20
 * times (3 `start:worker` processes; the killed one is started again at once). Hard checks:
 * nothing lost, at most 1 message sent twice in total (a worker killed between the SMTP
 * server's reply and its delivered mark; the Message-ID is the outbox id, so a receiver can drop
 * it). Reported: the pickup delay after each kill, from the kill until no row names the dead
 * worker any more (goal <= 15 s: heartbeat timeout 8 s + reclaim + relay), and until the last of
 * them reached the sink (that one also waits on whatever backlog is in front of them).
 *
 * The stream: BENCH_CRASH_COUNT (10000) rows committed in small transactions every 100 ms over
 * BENCH_CRASH_SECONDS (80); kills every BENCH_CRASH_SECONDS / BENCH_CRASH_KILLS (20), taking the
 * workers in turn (BENCH_CRASH_WORKERS, 3), each only once it is up again (a restart takes a few
 * seconds on a busy 2-core machine). BENCH_CRASH_QUEUE=in-process runs the workers without Redis (each relays and delivers
 * its own share of the outbox).
 */
const fs = require('node:fs');

const { REDIS_URL, WORKER_MAIN, startSink, startWorker } = require('./mail-lib');
const L = require('./lib');

const COUNT = Number(process.env.BENCH_CRASH_COUNT || 10_000);
const SECONDS = Number(process.env.BENCH_CRASH_SECONDS || 80);
const KILLS = Number(process.env.BENCH_CRASH_KILLS || 20);
const WORKERS = Math.max(2, Number(process.env.BENCH_CRASH_WORKERS || 3));
const IN_PROCESS = process.env.BENCH_CRASH_QUEUE === 'in-process';
const PICKUP_GOAL_MS = 15_000;
const TICK_MS = 100;

async function query(dbUrl, sql, params) {
  const { Client } = require('pg');
  const c = new Client({ connectionString: dbUrl });
  await c.connect();
  try {
    return (await c.query(sql, params)).rows;
  } finally {
    await c.end();
  }
}

/** Commits COUNT rows in slices every TICK_MS; resolves when the last one is in. */
async function stream(dbUrl, tag, committedAt) {
  const { Client } = require('pg');
  const c = new Client({ connectionString: dbUrl });
  await c.connect();
  const ticks = Math.max(1, Math.round((SECONDS * 1000) / TICK_MS));
  const perTick = Math.ceil(COUNT / ticks);
  const t0 = Date.now();
  try {
    for (let from = 1, tick = 0; from <= COUNT; from += perTick, tick++) {
      const to = Math.min(COUNT, from + perTick - 1);
      await c.query(
        `INSERT INTO notification_outbox (event, channel, recipient, payload, idempotency_key, status)
         SELECT 'security.backup_codes_low', 'email', 'crash-' || i || '@example.com',
                jsonb_build_object('name', 'Crash user ' || i, 'locale', 'en', 'data', jsonb_build_object('remaining', 2)),
                $1 || ':' || i, 'pending'
           FROM generate_series($2::int, $3::int) AS i`,
        [tag, from, to],
      );
      committedAt.push({ from, to, at: Date.now() });
      const next = t0 + (tick + 1) * TICK_MS;
      if (next > Date.now()) await L.sleep(next - Date.now());
    }
  } finally {
    await c.end();
  }
}

L.runMain(async (onCleanup) => {
  console.log(
    `\n== outbox-crash: ${COUNT} notifications over ${SECONDS} s, ${KILLS} SIGKILLs among ${WORKERS} workers (${IN_PROCESS ? 'in-process queue' : 'bull on Redis'}) ==`,
  );
  if (!fs.existsSync(WORKER_MAIN)) {
    throw new Error(`${WORKER_MAIN} is missing: run npm run build:server first`);
  }
  const db = await L.createDatabase('crash');
  onCleanup(() => L.dropDatabase(db));
  const api = await L.startApp({ db, name: 'crash-migrate' });
  await api.stop();
  const sink = await startSink();
  onCleanup(() => sink.close());
  const redis = IN_PROCESS ? null : REDIS_URL;
  const workers = Array.from({ length: WORKERS }, (_, i) => startWorker(db, sink.url, i, redis));
  onCleanup(() => Promise.all(workers.map((w) => w.stop())));
  await Promise.all(workers.map((w) => w.ready));

  const tag = `crash-${L.runId()}`;
  const committedAt = [];
  const streaming = stream(db.url, tag, committedAt);
  const kills = [];
  const watchers = [];
  const retired = [];
  const interval = (SECONDS * 1000) / KILLS;
  const t0 = Date.now();
  for (let k = 0; k < KILLS; k++) {
    const at = t0 + interval * (k + 0.5) + (Math.random() - 0.5) * interval * 0.5;
    if (at > Date.now()) await L.sleep(at - Date.now());
    const i = k % WORKERS;
    const victim = workers[i];
    const up = await Promise.race([victim.ready.then(() => true, () => false), L.sleep(30_000).then(() => false)]);
    // The victim's worker id: rows it holds name it (notification_workers keeps its pid).
    const [me] = await query(db.url, `SELECT id FROM notification_workers WHERE pid = $1`, [victim.pid]);
    const exited = new Promise((r) =>
      victim.child.exitCode !== null || victim.child.signalCode !== null ? r() : victim.child.once('exit', r),
    );
    victim.child.kill('SIGKILL');
    const killedAt = Date.now();
    const held = me
      ? (await query(db.url, `SELECT id FROM notification_outbox WHERE worker_id = $1 AND status IN ('queued', 'sending')`, [me.id])).map(
          (r) => r.id,
        )
      : [];
    const kill = { k, worker: i, killedAt, held, up, registered: Boolean(me), takenOverAt: null };
    retired.push(victim);
    kills.push(kill);
    // Taken over: no row names the dead worker any more (back in the outbox, relayed, claimed by another).
    if (me && held.length > 0) {
      watchers.push(
        (async () => {
          while (Date.now() - killedAt < 120_000) {
            const [{ n }] = await query(
              db.url,
              `SELECT count(*)::int AS n FROM notification_outbox WHERE worker_id = $1 AND status IN ('queued', 'sending')`,
              [me.id],
            );
            if (n === 0) {
              kill.takenOverAt = Date.now();
              return;
            }
            await L.sleep(100);
          }
        })(),
      );
    }
    await exited;
    workers[i] = startWorker(db, sink.url, i, redis);
    workers[i].ready.catch((err) => console.error(`restart of worker ${i} failed: ${err.message}`));
  }
  await streaming;
  await Promise.all(watchers);
  const lastCommit = Date.now();
  // Everything in the outbox must arrive; give the last kill its pickup window and a margin.
  while (sink.seen.size < COUNT && Date.now() - lastCommit < 90_000) await L.sleep(100);
  await L.sleep(3000); // late duplicates would show up here
  const rows = await query(db.url, `SELECT id, status FROM notification_outbox WHERE idempotency_key LIKE $1`, [`${tag}:%`]);
  const ids = new Set(rows.map((r) => `${r.id}@latchkey`));
  const lost = [...ids].filter((id) => !sink.seen.has(id)).length;
  const duplicated = [...sink.seen.entries()].filter(([id]) => ids.has(id)).reduce((a, [, n]) => a + (n - 1), 0);
  const undelivered = rows.filter((r) => r.status !== 'delivered').length;

  const pickups = [];
  for (const kill of kills) {
    const arrivals = kill.held.map((id) => sink.firstAt.get(`${id}@latchkey`));
    const delivered = arrivals.some((a) => a === undefined) ? Infinity : Math.max(...arrivals) - kill.killedAt;
    const takenOver = kill.takenOverAt === null ? Infinity : kill.takenOverAt - kill.killedAt;
    if (kill.held.length > 0) pickups.push(takenOver);
    console.log(
      `kill ${kill.k + 1} (worker ${kill.worker}${kill.up ? '' : ', killed before it was up: restarts are slow on this machine'}): held ${kill.held.length} row(s)` +
        (kill.held.length === 0
          ? kill.registered
            ? ''
            : ' (not in notification_workers yet)'
          : `, taken over ${takenOver === Infinity ? 'NEVER' : `${L.round(takenOver / 1000, 1)} s`} after the kill,` +
            ` all delivered ${delivered === Infinity ? 'NEVER' : `${L.round(delivered / 1000, 1)} s`} after it`),
    );
  }
  const maxPickup = pickups.length ? Math.max(...pickups) : 0;
  const medianPickup = pickups.length ? L.median(pickups) : 0;
  console.log(
    `${COUNT} committed, ${sink.seen.size} unique Message-IDs received, lost ${lost}, duplicated ${duplicated}, rows not 'delivered' ${undelivered}; ` +
      `a dead worker's rows taken over after: median ${L.round(medianPickup / 1000, 1)} s, max ${maxPickup === Infinity ? 'never' : `${L.round(maxPickup / 1000, 1)} s`} (${pickups.length} kills with rows in hand)`,
  );
  // Where duplicates came from: each one's first and second arrival against the last kill before the first.
  for (const [id, again] of sink.againAt) {
    const first = sink.firstAt.get(id);
    const kill = kills.filter((k) => k.killedAt <= first + 50).pop();
    console.log(
      `duplicate ${id}: first ${kill ? `${first - kill.killedAt} ms after kill ${kill.k + 1}` : 'before any kill'}, again ${L.round((again - first) / 1000, 1)} s later`,
    );
  }
  const warnings = [...retired, ...workers].reduce((n, w) => n + (w.output().match(/deadlock|Could not record|Could not mark/g) ?? []).length, 0);
  if (warnings > 0) console.log(`worker warnings about marks (deadlock, could not record/mark): ${warnings}`);
  // A live worker whose heartbeat could not land for 8 s (a starved machine) is presumed dead: its sends in flight may go out twice.
  const falseDeaths = [...retired, ...workers].reduce((n, w) => n + (w.output().match(/was presumed dead/g) ?? []).length, 0);
  console.log(`live workers presumed dead (heartbeat late by 8 s): ${falseDeaths}`);
  const hard = lost === 0 && undelivered === 0 && duplicated <= 1;
  const pass = hard && maxPickup <= PICKUP_GOAL_MS;
  if (!hard) {
    for (const [n, w] of [...retired, ...workers].entries()) {
      const lines = w.output().trim().split('\n').filter(Boolean);
      console.log(`-- worker process ${n} (pid ${w.pid}), last lines:\n${lines.slice(-6).join('\n')}`);
    }
  }
  L.emit({
    bench: 'outbox-crash',
    count: COUNT,
    kills: KILLS,
    workers: WORKERS,
    queue: IN_PROCESS ? 'in-process' : 'bull',
    baseline: { name: 'pickup goal ms', median: PICKUP_GOAL_MS },
    measured: {
      name: 'ms from a kill until no row names the dead worker',
      median: Math.round(medianPickup),
      max: maxPickup === Infinity ? null : Math.round(maxPickup),
    },
    ratio: L.round(maxPickup / PICKUP_GOAL_MS, 2),
    goal: 'lost 0 and duplicated <= 1 (hard); pickup <= 15 s',
    lost,
    duplicated,
    falseDeaths,
    pass,
  });
  return hard ? 0 : 1;
});
