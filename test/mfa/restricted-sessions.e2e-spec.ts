import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { describeClient } from '@latchkey/core';
import { SessionsService } from '@latchkey/sessions';

import { createUser } from '../factories/users.factory';
import { TestApp, createTestApp } from '../setup/test-app';
import { bearer, totpNow } from './mfa-helpers';

/** What a restricted session may still do: read who it is, read and enrol MFA, sign out. */
const ALLOWED = new Set([
  'GET /api/v1/me',
  'GET /api/v1/me/mfa',
  'POST /api/v1/me/mfa/totp/setup',
  'POST /api/v1/me/mfa/totp/confirm',
  'POST /api/v1/me/mfa/sms/setup',
  'POST /api/v1/me/mfa/sms/confirm',
  'GET /api/v1/me/mfa/passkeys',
  'POST /api/v1/me/mfa/passkeys/options',
  'POST /api/v1/me/mfa/passkeys',
  'POST /api/v1/auth/logout',
]);

describe('Restricted sessions reach only MFA enrolment', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  async function restrictedSession(restriction: 'mfa_setup_required' | 'mfa_recovery') {
    const user = await createUser(t);
    const issued = await t.app.get(SessionsService).create(user.id, describeClient('127.0.0.1', 'jest'), { restriction });
    return { user, auth: bearer(issued.token) };
  }

  it.each(['mfa_setup_required', 'mfa_recovery'] as const)(
    'a %s session gets 403 on every other route in the OpenAPI document',
    async (restriction) => {
      const { auth } = await restrictedSession(restriction);
      const doc = await t.http().get('/api/docs-json').expect(200);
      const expectedCode = restriction === 'mfa_recovery' ? 'MFA_RECOVERY_SETUP_REQUIRED' : 'MFA_SETUP_REQUIRED';
      const checked: string[] = [];
      const allowedSeen: string[] = [];
      for (const [template, operations] of Object.entries(doc.body.paths as Record<string, Record<string, unknown>>)) {
        const url = template.replace(/\{[^}]+\}/g, () => randomUUID());
        for (const method of Object.keys(operations).filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))) {
          const key = `${method.toUpperCase()} ${template}`;
          const anonymous = await t.http()[method as 'get'](url);
          if (anonymous.status !== 401 || anonymous.body.code !== 'SESSION_REQUIRED') {
            continue;
          }
          if (ALLOWED.has(key)) {
            allowedSeen.push(key);
            continue;
          }
          const res = await t.http()[method as 'get'](url).set(auth);
          checked.push(key);
          expect([key, res.status, res.body.code]).toEqual([key, 403, expectedCode]);
        }
      }
      expect(allowedSeen.sort()).toEqual([...ALLOWED].sort());
      for (const key of [...ALLOWED].filter((k) => k !== 'POST /api/v1/auth/logout')) {
        const [method, url] = key.split(' ');
        const res = await t.http()[method.toLowerCase() as 'get'](url).set(auth).send({});
        expect([key, res.status]).not.toEqual([key, 403]);
      }
      await t.http().post('/api/v1/auth/logout').set(auth).expect(200);
      expect(checked).toEqual(
        expect.arrayContaining([
          'GET /api/v1/me/sessions',
          'GET /api/v1/me/trusted-devices',
          'DELETE /api/v1/me/trusted-devices/{id}',
          'DELETE /api/v1/me/mfa/totp',
          'POST /api/v1/me/mfa/reset',
          'POST /api/v1/me/mfa/backup-codes/regenerate',
          'PATCH /api/v1/me/mfa/passkeys/{id}',
          'DELETE /api/v1/me/mfa/passkeys/{id}',
          'POST /api/v1/me/password',
          'PUT /api/v1/me/avatar',
          'PATCH /api/v1/me',
        ]),
      );
    },
  );

  it('lifts the restriction once a factor is enrolled', async () => {
    const { auth } = await restrictedSession('mfa_setup_required');
    await t.http().get('/api/v1/me/sessions').set(auth).expect(403);
    const status = await t.http().get('/api/v1/me/mfa').set(auth).expect(200);
    expect(status.body).toMatchObject({ enabled: false, methods: [] });
    const setup = await t.http().post('/api/v1/me/mfa/totp/setup').set(auth).expect(200);
    await t
      .http()
      .post('/api/v1/me/mfa/totp/confirm')
      .set(auth)
      .send({ code: totpNow(t, setup.body.secret) })
      .expect(200);
    await t.http().get('/api/v1/me/sessions').set(auth).expect(200);
  });

  it('without Twilio settings, writes texts to the outbox folder and never logs the code', async () => {
    const { auth } = await restrictedSession('mfa_setup_required');
    const phone = '+14155550188';
    await t.http().post('/api/v1/me/mfa/sms/setup').set(auth).send({ phone }).expect(200);
    const dir = path.resolve(t.config.twilio.outboxDir);
    const messages = fs.readdirSync(dir).map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as { to: string; body: string });
    const mine = messages.filter((m) => m.to === phone);
    expect(mine).toHaveLength(1);
    const code = /\b(\d{6})\b/.exec(mine[0].body)![1];
    await t.http().post('/api/v1/me/mfa/sms/confirm').set(auth).send({ code }).expect(200);
    await t.http().get('/api/v1/me/sessions').set(auth).expect(200);
  });
});
