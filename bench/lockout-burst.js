'use strict';
/**
 * A burst of 4N concurrent wrong passwords for ONE account (N = LOGIN_MAX_FAILURES = 5, so 20
 * requests, each on its own connection, released together) must run at most N hash checks.
 * Counted from the answers: a 401 means the password was hashed and compared; a 429 means the
 * attempt was refused before hashing. After the burst the right password must also get 429
 * (the account is locked), with Retry-After. Repeated on a fresh account per rep.
 * Goal (hard assertion): hash checks <= N in every rep.
 */
const http = require('node:http');

const L = require('./lib');

const REPS = Number(process.env.BENCH_REPS || 3);
const N = 5;
const BURST = 4 * N;

L.runMain(async (onCleanup) => {
  console.log(`\n== lockout-burst: ${BURST} concurrent wrong passwords for one account, N = ${N} ==`);
  const db = await L.createDatabase('burst');
  onCleanup(() => L.dropDatabase(db));
  const app = await L.startApp({
    db,
    name: 'burst',
    extraEnv: { LOGIN_MAX_FAILURES: String(N) },
  });
  onCleanup(() => app.stop());
  const id = L.runId();
  const emails = await L.insertUsers(db.url, `lb-${id}`, REPS + 1);

  // Warm-up on a spare account (JIT, pools, the first hash) so the burst is not serialised by a cold start.
  await L.login(app.url, emails[REPS], 'Wrong-password-123');
  await L.login(app.url, emails[REPS], L.PASSWORD);

  const rows = [];
  const counts = [];
  let retryAfterSeen = true;
  let lockedAfter = true;
  for (let rep = 1; rep <= REPS; rep++) {
    const email = emails[rep - 1];
    // One fresh connection per request, opened up front, so the 20 arrive together.
    const agent = new http.Agent({ keepAlive: true, maxSockets: BURST });
    await Promise.all(Array.from({ length: BURST }, () => L.request('GET', `${app.url}/health`, { agent })));
    const t0 = Date.now();
    const results = await Promise.all(Array.from({ length: BURST }, () => L.login(app.url, email, 'Wrong-password-123', { agent })));
    const wall = Date.now() - t0;
    agent.destroy();
    const by = {};
    for (const r of results) by[r.status] = (by[r.status] || 0) + 1;
    const hashed = by[401] || 0;
    const refused = by[429] || 0;
    retryAfterSeen &&= results.filter((r) => r.status === 429).every((r) => Number(r.headers['retry-after']) > 0);
    const after = await L.login(app.url, email, L.PASSWORD);
    lockedAfter &&= after.status === 429;
    counts.push(hashed);
    rows.push({
      rep,
      requests: BURST,
      '401 (hashed)': hashed,
      '429 (refused before hash)': refused,
      other: BURST - hashed - refused,
      'burst ms': wall,
      'right password after': `${after.status} Retry-After ${after.headers['retry-after'] ?? '-'}`,
      ok: hashed <= N ? 'yes' : 'NO',
    });
  }
  console.log(L.table(rows));
  const worst = Math.max(...counts);
  const pass = worst <= N && retryAfterSeen && lockedAfter;
  console.log(
    `hash checks per burst: median ${L.median(counts)}, max ${worst} (limit N = ${N}); 429s carry Retry-After: ${retryAfterSeen}; locked afterwards: ${lockedAfter}: ${pass ? 'PASS' : 'FAIL'}`,
  );
  L.emit({
    bench: 'lockout-burst',
    n: N,
    burst: BURST,
    reps: REPS,
    measured: {
      name: 'hash checks (401s) per burst',
      median: L.median(counts),
      max: worst,
      runs: counts,
    },
    ratio: L.round(worst / N, 3),
    goal: `hash checks <= N (${N})`,
    retryAfterSeen,
    lockedAfter,
    pass,
  });
  return pass ? 0 : 1;
});
