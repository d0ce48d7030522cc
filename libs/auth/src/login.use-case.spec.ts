import { AuditService } from '@latchkey/audit';
import { AppConfig, ClientInfo, PasswordHasher, SqlBatch } from '@latchkey/core';
import { NotificationsService } from '@latchkey/notifications';
import { SessionsService } from '@latchkey/sessions';
import { User, UsersService } from '@latchkey/users';
import { DataSource } from 'typeorm';

import { LoginActivityService } from './login-activity.service';
import { LoginThrottle } from './login-throttle.service';
import { LoginUseCase } from './login.use-case';
import { PasswordCheck } from './password-check.service';
import { SignInStep, SignInSteps } from './sign-in-steps';

const client: ClientInfo = {
  ip: '198.51.100.7',
  userAgent: 'Firefox',
  browser: 'Firefox',
  os: 'Linux',
  deviceType: 'desktop',
  location: 'Lisbon, PT',
};
const ada = {
  id: 'user-1',
  email: 'ada@example.com',
  displayName: 'Ada',
  language: 'en',
  passwordHash: '$argon2id$ada',
  emailVerifiedAt: new Date(),
} as User;

function setup(
  options: {
    user?: User | null;
    passwordOk?: boolean;
    admitted?: boolean;
    requireVerifiedEmail?: boolean;
    newDevice?: boolean;
    hasSecondFactor?: boolean;
    steps?: SignInStep[];
  } = {},
) {
  const user = options.user === undefined ? ada : options.user;
  const ticket = { key: 'ticket' };
  const release = jest.fn();
  const hasher = {
    admitSignIn: jest.fn(() => (options.admitted === false ? { admitted: false, retryAfterSeconds: 2 } : { admitted: true, release })),
    verify: jest.fn(async () => options.passwordOk ?? true),
    verifyDummy: jest.fn(async () => false),
  };
  const passwords = { reserve: jest.fn(async () => ticket), failed: jest.fn(async () => undefined) };
  const throttle = { release: jest.fn(async () => undefined), succeeded: jest.fn(async () => undefined) };
  const users = { findByEmail: jest.fn(async () => user) };
  const issued = { token: 'lks_token', csrfToken: 'csrf', session: { id: 'session-1', expiresAt: new Date('2026-12-01T00:00:00Z') } };
  // The prepared writes land in the caller's batch, as the real ones do.
  const sessions = {
    prepare: jest.fn((_u: string, _c: ClientInfo, _o: unknown, batch: SqlBatch) => {
      batch.insert('sessions', { id: issued.session.id });
      return issued;
    }),
    create: jest.fn(async () => issued),
  };
  const activity = {
    record: jest.fn(async () => undefined),
    prepare: jest.fn((_u: string, _c: ClientInfo, _o: string, _m: string, batch: SqlBatch) => batch.insert('login_activity', { id: 'a' })),
    newDeviceFact: jest.fn(() => ({ sql: 'SELECT $1 AS new_device', params: [options.newDevice ?? false] })),
    isNewDevice: jest.fn(async () => options.newDevice ?? false),
  };
  const audit = {
    prepare: jest.fn((_e: unknown, batch: SqlBatch) => batch.insert('audit_log', { id: 'e' })),
    record: jest.fn(async () => undefined),
  };
  const notifications = { notify: jest.fn(async () => undefined) };
  const queries: string[] = [];
  const manager = { query: jest.fn(async () => []) };
  const dataSource = {
    query: jest.fn(async (sql: string, params: unknown[] = []) => {
      queries.push(sql);
      // The facts' one read: each fact here selects its first parameter.
      if (/^SELECT \(SELECT \$\d+/.test(sql)) {
        return [
          Object.fromEntries(Array.from(sql.matchAll(/\(SELECT \$(\d+)[^)]*\) AS (f\d+)/g), ([, n, f]) => [f, params[Number(n) - 1]])),
        ];
      }
      return [{ ok: 1 }];
    }),
    transaction: jest.fn(async (fn: (m: unknown) => Promise<unknown>) => fn(manager)),
  };
  const steps = {
    all: () => options.steps ?? [],
    secondFactor: { hasSecondFactorFact: () => ({ sql: 'SELECT $1 AS has', params: [options.hasSecondFactor ?? false] }) },
  };
  const config = { auth: { requireVerifiedEmail: options.requireVerifiedEmail ?? false } } as AppConfig;
  const sut = new LoginUseCase(
    users as unknown as UsersService,
    sessions as unknown as SessionsService,
    hasher as unknown as PasswordHasher,
    throttle as unknown as LoginThrottle,
    activity as unknown as LoginActivityService,
    passwords as unknown as PasswordCheck,
    steps as unknown as SignInSteps,
    audit as unknown as AuditService,
    notifications as unknown as NotificationsService,
    dataSource as unknown as DataSource,
    config,
  );
  return { sut, hasher, passwords, throttle, sessions, activity, audit, notifications, dataSource, queries, ticket, release };
}

describe('LoginUseCase.verifyCredentials', () => {
  it('a right password passes the throttle ticket as a success and frees the hash slot', async () => {
    const t = setup();
    await expect(t.sut.verifyCredentials(ada.email, 'right', client)).resolves.toMatchObject({ user: ada, ticket: t.ticket });
    expect(t.hasher.verify).toHaveBeenCalledWith(ada.passwordHash, 'right');
    expect(t.throttle.succeeded).toHaveBeenCalledWith(t.ticket);
    expect(t.release).toHaveBeenCalledTimes(1);
  });

  it('an unknown email costs a dummy hash and gets the same answer as a wrong password', async () => {
    const unknown = setup({ user: null });
    const wrong = setup({ passwordOk: false });
    const a = await unknown.sut.verifyCredentials('nobody@example.com', 'x', client).catch((e: unknown) => e);
    const b = await wrong.sut.verifyCredentials(ada.email, 'x', client).catch((e: unknown) => e);
    expect(unknown.hasher.verifyDummy).toHaveBeenCalledWith('x');
    expect(unknown.hasher.verify).not.toHaveBeenCalled();
    expect(a).toMatchObject({ code: 'INVALID_CREDENTIALS', message: 'The email or password is not right.' });
    expect(b).toMatchObject({ code: 'INVALID_CREDENTIALS', message: 'The email or password is not right.' });
    expect(unknown.passwords.failed).toHaveBeenCalledWith(null, unknown.ticket, client, 'invalid_credentials');
    expect(wrong.passwords.failed).toHaveBeenCalledWith(ada, wrong.ticket, client, 'invalid_credentials');
    expect(wrong.throttle.succeeded).not.toHaveBeenCalled();
  });

  it('sheds with SIGN_IN_BUSY before hashing when the pool cannot take it, and the attempt does not count', async () => {
    const t = setup({ admitted: false });
    await expect(t.sut.verifyCredentials(ada.email, 'right', client)).rejects.toMatchObject({ code: 'SIGN_IN_BUSY' });
    expect(t.hasher.verify).not.toHaveBeenCalled();
    expect(t.throttle.release).toHaveBeenCalledWith(t.ticket);
    expect(t.passwords.failed).not.toHaveBeenCalled();
  });

  it('an outage while hashing is not a wrong password: the ticket is given back and the slot freed', async () => {
    const t = setup();
    t.hasher.verify.mockRejectedValueOnce(new Error('pool crashed'));
    await expect(t.sut.verifyCredentials(ada.email, 'right', client)).rejects.toThrow('pool crashed');
    expect(t.throttle.release).toHaveBeenCalledWith(t.ticket);
    expect(t.release).toHaveBeenCalledTimes(1);
    expect(t.passwords.failed).not.toHaveBeenCalled();
  });
});

describe('LoginUseCase.decide', () => {
  it('with no step to stop it, reads every fact in one statement and writes the session, login activity and audit in another', async () => {
    const t = setup();
    await expect(t.sut.decide(ada, client)).resolves.toMatchObject({ status: 'authenticated', token: 'lks_token', sessionId: 'session-1' });
    expect(t.queries).toHaveLength(2);
    expect(t.queries[0]).toMatch(/^SELECT \(SELECT \$1 AS has\) AS f0,\s+\(SELECT \$2 AS new_device\) AS f1$/);
    expect(t.queries[1]).toMatch(/INSERT INTO sessions[\s\S]*INSERT INTO login_activity[\s\S]*INSERT INTO audit_log/);
    expect(t.dataSource.transaction).not.toHaveBeenCalled();
    expect(t.activity.prepare).toHaveBeenCalledWith(ada.id, client, 'success', 'password', expect.anything());
    expect(t.audit.prepare).toHaveBeenCalledWith(
      expect.objectContaining({
        action: 'auth.login_succeeded',
        metadata: expect.objectContaining({ sessionId: 'session-1', newDevice: false }),
      }),
      expect.anything(),
    );
    expect(t.notifications.notify).not.toHaveBeenCalled();
  });

  it('a first sign-in from a new device is written in a transaction with the new-sign-in alert', async () => {
    const t = setup({ newDevice: true });
    await t.sut.decide(ada, client);
    expect(t.dataSource.transaction).toHaveBeenCalledTimes(1);
    expect(t.sessions.create).toHaveBeenCalled();
    expect(t.notifications.notify).toHaveBeenCalledWith(
      expect.objectContaining({
        event: 'security.new_sign_in',
        to: expect.objectContaining({ userId: ada.id }),
        data: expect.objectContaining({ ip: client.ip }),
      }),
      expect.anything(),
    );
  });

  it('hands each step the facts it asked, read with the others, and tells every step whether there is a second factor', async () => {
    const seen: unknown[] = [];
    const policy: SignInStep<() => unknown> = {
      name: 'policy',
      order: 1,
      ask: (user, _client, facts) => facts.ask({ sql: 'SELECT $1 AS required', params: [user.id] }, String),
      evaluate: async (ctx, required) => {
        seen.push(required(), ctx.hasSecondFactor);
        return undefined;
      },
    };
    const t = setup({ steps: [policy as SignInStep], hasSecondFactor: true });
    await t.sut.decide(ada, client);
    expect(seen).toEqual([ada.id, true]);
    expect(t.queries).toHaveLength(2);
    expect(t.queries[0]).toContain('(SELECT $3 AS required) AS f2');
  });

  it('the first step that asks for more answers mfa_required and no session is issued', async () => {
    const later = { name: 'later', order: 2, evaluate: jest.fn(async () => undefined) };
    const mfa: SignInStep = {
      name: 'mfa',
      order: 1,
      evaluate: async () => ({ kind: 'challenge', response: { challengeId: 'c1', methods: ['totp'] } }),
    };
    const t = setup({ steps: [mfa, later] });
    await expect(t.sut.decide(ada, client)).resolves.toEqual({
      status: 'mfa_required',
      challenge: { challengeId: 'c1', methods: ['totp'] },
    });
    expect(later.evaluate).not.toHaveBeenCalled();
    expect(t.sessions.prepare).not.toHaveBeenCalled();
    expect(t.sessions.create).not.toHaveBeenCalled();
    expect(t.activity.record).toHaveBeenCalledWith(ada.id, client, 'mfa_required', 'mfa');
  });

  it('a restricting step (an account requires 2FA) ends in a restricted session: mfa_setup_required', async () => {
    const policy: SignInStep = {
      name: 'require-2fa',
      order: 1,
      evaluate: async () => ({ kind: 'restrict', restriction: 'mfa_setup_required' }),
    };
    const t = setup({ steps: [policy] });
    await expect(t.sut.decide(ada, client)).resolves.toMatchObject({ status: 'mfa_setup_required' });
    expect(t.sessions.prepare).toHaveBeenCalledWith(ada.id, client, { restriction: 'mfa_setup_required' }, expect.anything());
  });

  it('with REQUIRE_VERIFIED_EMAIL, an unconfirmed address is told so (after the right password) and gets no session', async () => {
    const t = setup({ requireVerifiedEmail: true });
    await expect(t.sut.decide({ ...ada, emailVerifiedAt: null } as User, client)).rejects.toMatchObject({ code: 'EMAIL_NOT_VERIFIED' });
    expect(t.activity.record).toHaveBeenCalledWith(ada.id, client, 'failure', 'email_not_verified');
    expect(t.sessions.prepare).not.toHaveBeenCalled();
  });

  it('a spent second-factor code (its compare-and-swap touched no row) refuses the session', async () => {
    const t = setup();
    t.dataSource.query.mockRejectedValueOnce(Object.assign(new Error('division by zero'), { code: '22012' }));
    const refused = new Error('INVALID_MFA_CODE');
    await expect(
      t.sut.issueSession(ada, client, null, {
        method: 'totp',
        require: {
          statements: [{ sql: 'UPDATE mfa_factors SET last_used_step = $1 WHERE id = $2 RETURNING id', params: [1, 'f'] }],
          refused: async () => refused,
        },
      }),
    ).rejects.toBe(refused);
  });
});
