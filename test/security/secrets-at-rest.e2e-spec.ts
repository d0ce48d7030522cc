import { BackgroundTasks } from '@latchkey/core';
import { startWorkers } from '@latchkey/platform';

import { createAccountWithTeam } from '../factories/accounts.factory';
import { createUser, signIn, uniqueEmail } from '../factories/users.factory';
import { CapturedMail, tokenFrom } from '../fakes/smtp-sink';
import { TestApp, createTestApp } from '../setup/test-app';
import { TICKETS, makeStaff, ticketIdFor } from '../support/support-helpers';

interface Column {
  table: string;
  column: string;
  type: string;
}

/** Every text, json, jsonb and bytea column of every table of the app's schema. */
async function textColumns(t: TestApp): Promise<Column[]> {
  const rows: Array<{ table_name: string; column_name: string; data_type: string }> = await t.dataSource.query(
    `SELECT c.table_name, c.column_name, c.data_type
       FROM information_schema.columns c JOIN information_schema.tables tb
         ON tb.table_schema = c.table_schema AND tb.table_name = c.table_name AND tb.table_type = 'BASE TABLE'
      WHERE c.table_schema = current_schema()
        AND c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'bytea', 'ARRAY')`,
  );
  return rows.map((r) => ({ table: r.table_name, column: r.column_name, type: r.data_type }));
}

/** Where any of the secrets occurs in the database, as `table.column`; empty when nowhere. */
async function findAtRest(t: TestApp, secrets: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const col of await textColumns(t)) {
    const ident = `"${col.table}"."${col.column}"`;
    const haystack = col.type === 'bytea' ? `encode(${ident}, 'escape')` : `${ident}::text`;
    const rows: Array<{ n: number }> = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM "${col.table}" WHERE ${haystack} LIKE ANY($1::text[])`,
      [secrets.map((s) => `%${s}%`)],
    );
    if (rows[0].n > 0) {
      found.push(`${col.table}.${col.column}`);
    }
  }
  return found;
}

/** Everything the database holds in text form, for a check after the fact. */
async function snapshot(t: TestApp): Promise<string> {
  const parts: string[] = [];
  for (const col of await textColumns(t)) {
    const ident = `"${col.table}"."${col.column}"`;
    const haystack = col.type === 'bytea' ? `encode(${ident}, 'escape')` : `${ident}::text`;
    const rows: Array<{ v: string | null }> = await t.dataSource.query(`SELECT ${haystack} AS v FROM "${col.table}"`);
    parts.push(...rows.map((r) => r.v ?? ''));
  }
  return parts.join('\n');
}

describe('No live secret rests in clear: emailed tokens are nowhere in the database, before or after delivery', () => {
  let t: TestApp;

  beforeAll(async () => {
    // Workers off: rows stay in the outbox until settle(), so the database can be read before delivery.
    t = await createTestApp({ workers: false, processJobs: true });
  });

  afterAll(async () => {
    await t?.close();
  });

  it('keeps no token of any emailed flow (verify, reset, email change, invitation, support confirm and cancel)', async () => {
    const newcomer = uniqueEmail('newcomer');
    const forgetful = await createUser(t);
    const mover = await createUser(t);
    const moverSession = await signIn(t, mover.email);
    const movedTo = uniqueEmail('moved');
    const team = await createAccountWithTeam(t);
    const invitee = uniqueEmail('invitee');
    const requester = await createUser(t);

    await t
      .http()
      .post('/api/v1/auth/register')
      .send({ email: newcomer, password: 'amber-glacier-orbit-19', displayName: 'Nia' })
      .expect(202);
    await t.http().post('/api/v1/auth/password/forgot').send({ email: forgetful.email }).expect(202);
    await t.http().post('/api/v1/me/email').set(moverSession.auth).send({ newEmail: movedTo, password: mover.password }).expect(202);
    await t
      .http()
      .post(`/api/v1/accounts/${team.accountId}/invitations`)
      .set(team.owner.session.auth)
      .send({ email: invitee, role: 'member' })
      .expect(201);
    await t.http().post(TICKETS).send({ type: 'mfa_reset', email: requester.email, message: 'I lost my phone.' }).expect(202);

    const pending = await t.dataSource.query(`SELECT payload FROM notification_outbox WHERE status = 'pending'`);
    expect(pending.length).toBeGreaterThanOrEqual(5);
    const beforeDelivery = await snapshot(t);
    expect(beforeDelivery).not.toMatch(/token=/);

    // Now deliver (in-process queue, or bull on Redis when TEST_REDIS_URL is set).
    await startWorkers(t.app);
    await t.settle();
    const wait = (to: string, subject: RegExp) => t.mail.waitFor((m: CapturedMail) => m.to.includes(to) && subject.test(m.subject));
    const confirmToken = tokenFrom(await wait(requester.email, /Confirm your support request/));
    const tokens = [
      tokenFrom(await wait(newcomer, /./)),
      tokenFrom(await wait(forgetful.email, /reset/i)),
      tokenFrom(await wait(movedTo, /./)),
      tokenFrom(await wait(invitee, /./)),
      confirmToken,
    ];

    // Confirming the ticket mails the cancel link (email and the in-app inbox are told).
    await t.http().post(`${TICKETS}/confirm`).send({ token: confirmToken }).expect(204);
    await ticketIdFor(t, requester.email);
    const beforeCancelDelivery = await snapshot(t);
    await t.settle();
    const cancelMail = await t.mail.waitFor(
      (m) => m.to.includes(requester.email) && /cancel/i.test(m.text) && m.text.includes('support/cancel'),
    );
    tokens.push(tokenFrom(cancelMail));

    for (const token of tokens) {
      expect(token.length).toBeGreaterThanOrEqual(32);
      expect(beforeDelivery).not.toContain(token);
      expect(beforeCancelDelivery).not.toContain(token);
    }
    expect(await findAtRest(t, tokens)).toEqual([]);
    // Delivered rows keep no sealed part either: the links are wiped once sent.
    const sealedLeft = await t.dataSource.query(`SELECT id FROM notification_outbox WHERE payload->>'sealed' IS NOT NULL`);
    expect(sealedLeft).toEqual([]);
    const inbox: Array<{ body: string }> = await t.dataSource.query(`SELECT body FROM notification_inbox WHERE user_id = $1`, [
      requester.id,
    ]);
    expect(inbox.length).toBeGreaterThan(0);
    expect(inbox.map((r) => r.body).join('\n')).not.toMatch(/token=/);

    // The links still work: the token reached only the mail.
    await t.http().post('/api/v1/auth/verify-email').send({ token: tokens[0] }).expect(200);
  });

  it('wipes the sealed links of a delivery that becomes a dead letter, and a replay sends no linkless mail', async () => {
    const dying = await createTestApp({
      workers: false,
      processJobs: true,
      env: { NOTIFICATION_MAX_ATTEMPTS: '1', NOTIFICATION_BACKOFF_MS: '1' },
    });
    try {
      const user = await createUser(dying);
      dying.mail.refuse = true;
      await dying.http().post('/api/v1/auth/password/forgot').send({ email: user.email }).expect(202);
      await dying.app.get(BackgroundTasks).drain();
      const [queued]: Array<{ payload: { sealed?: string } }> = await dying.dataSource.query(
        `SELECT payload FROM notification_outbox WHERE recipient = $1`,
        [user.email],
      );
      expect(queued.payload.sealed).toMatch(/^v1\./);
      expect(JSON.stringify(queued.payload)).not.toMatch(/token=/);
      await startWorkers(dying.app);
      await dying.settle();
      const [row]: Array<{ status: string; payload: { sealed?: string; wiped?: boolean; data: Record<string, unknown> } }> =
        await dying.dataSource.query(`SELECT status, payload FROM notification_outbox WHERE recipient = $1`, [user.email]);
      expect(row.status).toBe('dead');
      expect(row.payload.sealed).toBeUndefined();
      expect(row.payload.wiped).toBe(true);
      expect(JSON.stringify(row.payload)).not.toMatch(/token=/);

      dying.mail.refuse = false;
      const staff = await makeStaff(dying, 'support_lead');
      const [{ id }] = await dying.dataSource.query(`SELECT id FROM notification_outbox WHERE recipient = $1`, [user.email]);
      await dying.http().post(`/api/v1/admin/notifications/dead-letters/${id}/replay`).set(staff.auth).expect(202);
      await dying.settle();
      expect(dying.mail.to(user.email)).toEqual([]);
    } finally {
      await dying.close();
    }
  });

  it('keeps passwords only as salted argon2id hashes: the password itself is nowhere in the database', async () => {
    const password = 'plain-sight-parrot-4417';
    const emails = [uniqueEmail('salt-a'), uniqueEmail('salt-b')];
    for (const email of emails) {
      await t.http().post('/api/v1/auth/register').send({ email, password, displayName: 'Salt Test' }).expect(202);
    }
    await t.settle();
    expect(await findAtRest(t, [password])).toEqual([]);
    const rows: Array<{ password_hash: string }> = await t.dataSource.query(`SELECT password_hash FROM users WHERE email = ANY($1)`, [
      emails,
    ]);
    expect(rows).toHaveLength(2);
    for (const r of rows) {
      expect(r.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    }
    // The same password, two salts.
    expect(rows[0].password_hash).not.toBe(rows[1].password_hash);
  });
});
