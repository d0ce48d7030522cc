import { Totp } from '../../libs/mfa/src/totp/totp';

import { TestApp } from '../setup/test-app';

export const STEP_MS = 30_000;

/** The code an authenticator app would show now, by the app's (fake) clock. */
export function totpNow(t: TestApp, secret: string): string {
  return Totp.generate(secret, Math.floor(t.clock.nowMs() / 1000));
}

/** Enrols TOTP for a signed-in user and moves to the next time step, so the enrolment code is spent. */
export async function enrolTotp(t: TestApp, auth: Record<string, string>): Promise<{ secret: string; backupCodes: string[] }> {
  const setup = await t.http().post('/api/v1/me/mfa/totp/setup').set(auth).expect(200);
  const confirm = await t
    .http()
    .post('/api/v1/me/mfa/totp/confirm')
    .set(auth)
    .send({ code: totpNow(t, setup.body.secret) });
  if (confirm.status !== 200) {
    throw new Error(`TOTP confirm failed: ${confirm.status} ${JSON.stringify(confirm.body)}`);
  }
  t.clock.advance(STEP_MS);
  return { secret: setup.body.secret, backupCodes: confirm.body.backupCodes ?? [] };
}

/** Password step of a sign-in for a user with 2FA: the challenge. */
export async function startChallenge(t: TestApp, email: string, password: string, extra: Record<string, unknown> = {}) {
  const res = await t
    .http()
    .post('/api/v1/auth/login')
    .send({ email, password, ...extra });
  if (res.status !== 200 || res.body.status !== 'mfa_required') {
    throw new Error(`Expected mfa_required: ${res.status} ${JSON.stringify(res.body)}`);
  }
  return res.body as { challengeId: string; methods: string[]; expiresAt: string };
}

export function bearer(token: string) {
  return { Authorization: `Bearer ${token}` };
}

/**
 * A confirmed phone straight in the database: one added before its country was blocked (setup
 * refuses blocked countries now, so the API cannot add it).
 */
export async function insertConfirmedPhone(t: TestApp, userId: string, phone: string): Promise<void> {
  const now = t.clock.now();
  await t.dataSource.query(
    `INSERT INTO mfa_factors (user_id, kind, phone, confirmed_at, created_at, updated_at) VALUES ($1, 'sms', $2, $3, $3, $3)`,
    [userId, phone, now],
  );
}
