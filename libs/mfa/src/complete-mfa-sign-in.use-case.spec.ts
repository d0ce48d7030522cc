import { LoginActivityService, LoginResult, LoginUseCase, SecondFactorProof } from '@latchkey/auth';
import { ClientInfo, Clock, Metrics, SecretBox, SqlFacts, SqlStatement } from '@latchkey/core';
import { User, UsersService } from '@latchkey/users';

import { BackupCodesMethod } from './backup-codes/backup-codes.method';
import { BackupCodesService } from './backup-codes/backup-codes.service';
import { ChallengesService, challengeGone } from './challenges/challenges.service';
import { CompleteMfaSignInUseCase } from './complete-mfa-sign-in.use-case';
import { MfaFactor } from './entities/mfa-factor.entity';
import { FactorsRepository } from './factors.repository';
import { FactorRegistry } from './factors/factor-registry';
import { MfaReset } from './factors/mfa-reset.service';
import { DEFAULT_MFA_OPTIONS } from './mfa.constants';
import { MfaLock } from './mfa-lock';
import { MfaNotifier } from './mfa-notifier';
import { PasskeyFactor } from './passkeys/passkey.factor';
import { PasskeysService } from './passkeys/passkeys.service';
import { SmsCodesService } from './sms/sms-codes.service';
import { SmsFactor } from './sms/sms.factor';
import { Totp } from './totp/totp';
import { TotpFactor } from './totp/totp.factor';
import { TrustedDevicesService } from './trusted-devices/trusted-devices.service';

const client: ClientInfo = {
  ip: '198.51.100.7',
  userAgent: 'Firefox',
  browser: 'Firefox',
  os: 'Linux',
  deviceType: 'desktop',
  location: 'Lisbon, PT',
};
const ada = { id: 'user-1', email: 'ada@example.com', displayName: 'Ada', language: 'en' } as User;
const NOW_MS = Date.parse('2026-11-30T12:00:00Z');
const SECRET = Totp.generateSecret();
const rightTotp = () => Totp.generate(SECRET, Math.floor(NOW_MS / 1000));
const wrongTotp = () => String((Number(rightTotp()) + 1) % 1_000_000).padStart(6, '0');
const authenticator = {
  id: 'factor-totp',
  userId: ada.id,
  kind: 'totp',
  secretSealed: `sealed:${SECRET}`,
  confirmedAt: new Date(NOW_MS - 86_400_000),
  lastUsedStep: null,
} as MfaFactor;
const CHALLENGE = 'challenge-1';
const COMPLETE: SqlStatement = { sql: 'UPDATE mfa_challenges SET completed_at', params: [CHALLENGE] };

/**
 * The use case over the real registry and the real strategies (TOTP through otplib); their
 * stores, the sign-in decision and the lock are fakes that record what they were asked.
 */
function setup(
  options: {
    challenge?: 'live' | 'used_up' | 'expired';
    /** The authenticator as read with the challenge. */
    totp?: MfaFactor | null;
    sms?: { purpose: 'sign_in' | 'recovery' } | null;
    backupCode?: boolean;
    passkey?: boolean;
    /** The single statement finds the challenge finished meanwhile (or the step claimed). */
    claimRefused?: { challengeOpen: boolean };
    completes?: boolean;
  } = {},
) {
  const clock = { now: () => new Date(NOW_MS), nowMs: () => NOW_MS } as Clock;
  const challenges = {
    spendAttempt: jest.fn(async (_id: string, preload: string | null, alsoAsk?: (facts: SqlFacts, userColumn: string) => void) => {
      if (options.challenge === 'used_up' || options.challenge === 'expired') {
        throw challengeGone();
      }
      // The facts asked about the challenge's user are answered from the same row, as the real statement does.
      const facts = new SqlFacts();
      alsoAsk?.(facts, 'c.user_id');
      facts.answer({ f0: false });
      const totp = options.totp === undefined ? authenticator : options.totp;
      return { userId: ada.id, factors: preload === 'totp' && totp ? [totp] : [] };
    }),
    completeStatement: jest.fn(() => COMPLETE),
    isOpen: jest.fn(async () => options.claimRefused?.challengeOpen ?? true),
    complete: jest.fn(async () => options.completes ?? true),
  };
  const factors = {
    find: jest.fn(async () => authenticator),
    findConfirmedOfKind: jest.fn(async () => [authenticator]),
    claimTotpStepStatement: jest.fn((id: string, step: number): SqlStatement => ({
      sql: 'UPDATE mfa_factors SET last_used_step',
      params: [id, step],
    })),
    claimTotpStep: jest.fn(async () => true),
  };
  const secrets = { open: jest.fn((sealed: string) => sealed.replace(/^sealed:/, '')) };
  const smsCodes = {
    match: jest.fn(async () => (options.sms ? { id: 'sms-1', purpose: options.sms.purpose } : undefined)),
    spend: jest.fn(async () => true),
  };
  const backupCodes = {
    match: jest.fn(async () => (options.backupCode ? 'backup-1' : undefined)),
    consumeById: jest.fn(async () => true),
    remaining: jest.fn(async () => 9),
  };
  const notifier = { record: jest.fn(async () => undefined), notify: jest.fn(async () => undefined) };
  const passkeyClaim: SqlStatement = { sql: 'UPDATE mfa_factors SET sign_count', params: ['passkey-1'] };
  const passkeys = {
    matchSecondFactor: jest.fn(async () =>
      options.passkey ? { passkey: { id: 'passkey-1' }, userVerified: true, proof: { claim: passkeyClaim, spend: jest.fn() } } : undefined,
    ),
  };
  const registry = new FactorRegistry([
    new TotpFactor(factors as unknown as FactorsRepository, secrets as unknown as SecretBox, clock),
    new SmsFactor(smsCodes as unknown as SmsCodesService),
    new PasskeyFactor(passkeys as unknown as PasskeysService),
    new BackupCodesMethod(DEFAULT_MFA_OPTIONS, backupCodes as unknown as BackupCodesService, notifier as unknown as MfaNotifier, clock),
  ]);
  const ticket = { userId: ada.id, count: 1 };
  const lock = {
    reserveCheck: jest.fn(async () => ticket),
    releaseCheck: jest.fn(async () => undefined),
    recordFailure: jest.fn(async () => undefined),
    clearFailures: jest.fn(async () => undefined),
  };
  const users = { get: jest.fn(async () => ada) };
  const session: LoginResult = { status: 'authenticated', token: 'lks_token', sessionId: 'session-1' } as LoginResult;
  const login = {
    issueSession: jest.fn(
      async (
        _user: User,
        _client: ClientInfo,
        _restriction: string | null,
        extra: {
          method?: string;
          within?: (m: unknown) => Promise<void>;
          require?: { statements: SqlStatement[]; refused: () => Promise<Error> };
        } = {},
      ) => {
        if (extra.require && options.claimRefused) {
          throw await extra.require.refused();
        }
        return session;
      },
    ),
  };
  const activity = {
    newDeviceFactFor: jest.fn((user: string): SqlStatement => ({ sql: `SELECT ${user} IS NULL`, params: [] })),
    record: jest.fn(async () => undefined),
  };
  const metrics = { secondFactor: { inc: jest.fn() } };
  const device = { token: 'lkd_device', expiresAt: new Date(NOW_MS + 30 * 86_400_000) };
  const trustedDevices = { trust: jest.fn(async () => device) };
  const reset = { recover: jest.fn(async (_u: User, proof: SecondFactorProof) => proof.spend({} as never)) };
  const sut = new CompleteMfaSignInUseCase(
    challenges as unknown as ChallengesService,
    registry,
    lock as unknown as MfaLock,
    users as unknown as UsersService,
    login as unknown as LoginUseCase,
    activity as unknown as LoginActivityService,
    metrics as unknown as Metrics,
    trustedDevices as unknown as TrustedDevicesService,
    reset as unknown as MfaReset,
  );
  return {
    sut,
    challenges,
    factors,
    smsCodes,
    backupCodes,
    passkeys,
    lock,
    ticket,
    login,
    activity,
    metrics,
    trustedDevices,
    device,
    reset,
    session,
  };
}

const answer = (method: string, extra: Record<string, unknown> = {}) => ({ challengeId: CHALLENGE, method, client, ...extra });

describe('CompleteMfaSignInUseCase: the code', () => {
  it('a right authenticator code signs in with one statement that finishes the challenge and claims the time step', async () => {
    const t = setup();
    await expect(t.sut.execute(answer('totp', { code: rightTotp() }))).resolves.toEqual(t.session);
    // The authenticator and the new-device check came with the challenge: no read of their own.
    expect(t.challenges.spendAttempt).toHaveBeenCalledWith(CHALLENGE, 'totp', expect.any(Function));
    expect(t.activity.newDeviceFactFor).toHaveBeenCalledWith('c.user_id', expect.objectContaining({ ip: expect.anything() }));
    expect(t.factors.find).not.toHaveBeenCalled();
    expect(t.factors.findConfirmedOfKind).not.toHaveBeenCalled();
    const [, , restriction, extra] = t.login.issueSession.mock.calls[0];
    expect(restriction).toBeNull();
    expect(extra).toMatchObject({ method: 'totp', require: { statements: [COMPLETE, { sql: expect.stringMatching(/last_used_step/) }] } });
    expect(t.challenges.complete).not.toHaveBeenCalled();
    expect(t.lock.clearFailures).toHaveBeenCalledWith(ada.id);
    expect(t.lock.recordFailure).not.toHaveBeenCalled();
    expect(t.metrics.secondFactor.inc).toHaveBeenCalledWith({ method: 'totp', outcome: 'success' });
  });

  it('a wrong code is INVALID_MFA_CODE, counts as a failure on the lock and in login activity, and issues nothing', async () => {
    const t = setup();
    await expect(t.sut.execute(answer('totp', { code: wrongTotp() }))).rejects.toMatchObject({ code: 'INVALID_MFA_CODE' });
    expect(t.lock.reserveCheck).toHaveBeenCalledWith(ada.id);
    expect(t.lock.recordFailure).toHaveBeenCalledWith(ada, t.ticket);
    expect(t.lock.releaseCheck).not.toHaveBeenCalled();
    expect(t.lock.clearFailures).not.toHaveBeenCalled();
    expect(t.activity.record).toHaveBeenCalledWith(ada.id, client, 'mfa_failed', 'totp');
    expect(t.metrics.secondFactor.inc).toHaveBeenCalledWith({ method: 'totp', outcome: 'failure' });
    expect(t.login.issueSession).not.toHaveBeenCalled();
  });

  it('a code for a user without an authenticator is a wrong code, not an error', async () => {
    const t = setup({ totp: null });
    await expect(t.sut.execute(answer('totp', { code: rightTotp() }))).rejects.toMatchObject({ code: 'INVALID_MFA_CODE' });
    expect(t.lock.recordFailure).toHaveBeenCalled();
  });

  it('a time step already used (a replayed code) is refused', async () => {
    const step = Math.floor(NOW_MS / 1000 / 30);
    const t = setup({ totp: { ...authenticator, lastUsedStep: String(step) } as MfaFactor });
    await expect(t.sut.execute(answer('totp', { code: rightTotp() }))).rejects.toMatchObject({ code: 'INVALID_MFA_CODE' });
    expect(t.login.issueSession).not.toHaveBeenCalled();
  });
});

describe('CompleteMfaSignInUseCase: the challenge', () => {
  it.each(['used_up', 'expired'] as const)('a %s challenge is MFA_CHALLENGE_INVALID before any code is looked at', async (state) => {
    const t = setup({ challenge: state });
    await expect(t.sut.execute(answer('totp', { code: rightTotp() }))).rejects.toMatchObject({ code: 'MFA_CHALLENGE_INVALID' });
    expect(t.lock.reserveCheck).not.toHaveBeenCalled();
    expect(t.login.issueSession).not.toHaveBeenCalled();
  });

  it('a challenge finished meanwhile by a parallel answer: the single statement is refused, MFA_CHALLENGE_INVALID, the check given back', async () => {
    const t = setup({ claimRefused: { challengeOpen: false } });
    await expect(t.sut.execute(answer('totp', { code: rightTotp() }))).rejects.toMatchObject({ code: 'MFA_CHALLENGE_INVALID' });
    expect(t.lock.releaseCheck).toHaveBeenCalledWith(t.ticket);
    expect(t.lock.clearFailures).not.toHaveBeenCalled();
  });

  it('the time step claimed meanwhile while the challenge is still open: INVALID_MFA_CODE', async () => {
    const t = setup({ claimRefused: { challengeOpen: true } });
    await expect(t.sut.execute(answer('totp', { code: rightTotp() }))).rejects.toMatchObject({ code: 'INVALID_MFA_CODE' });
    expect(t.lock.releaseCheck).toHaveBeenCalledWith(t.ticket);
  });

  it('a method that spends in a transaction: a challenge finished meanwhile is MFA_CHALLENGE_INVALID and no session', async () => {
    const t = setup({ backupCode: true, completes: false });
    await expect(t.sut.execute(answer('backup_code', { code: 'abcde-fghij' }))).rejects.toMatchObject({ code: 'MFA_CHALLENGE_INVALID' });
    expect(t.lock.releaseCheck).toHaveBeenCalledWith(t.ticket);
    expect(t.login.issueSession).not.toHaveBeenCalled();
  });

  it('a method nothing registered is refused before an attempt is spent', async () => {
    const t = setup();
    await expect(t.sut.execute(answer('carrier_pigeon', { code: '123456' }))).rejects.toMatchObject({ code: 'MFA_METHOD_UNAVAILABLE' });
    expect(t.challenges.spendAttempt).not.toHaveBeenCalled();
  });

  it('an outage while checking the code gives the reserved check back (it is no failure)', async () => {
    const t = setup();
    t.smsCodes.match.mockRejectedValueOnce(new Error('database gone'));
    await expect(t.sut.execute(answer('sms', { code: '123456' }))).rejects.toThrow('database gone');
    expect(t.lock.releaseCheck).toHaveBeenCalledWith(t.ticket);
    expect(t.lock.recordFailure).not.toHaveBeenCalled();
  });
});

describe('CompleteMfaSignInUseCase: each method through the registry', () => {
  it('sms: the texted code of this challenge, spent in the session transaction; nothing preloaded', async () => {
    const t = setup({ sms: { purpose: 'sign_in' } });
    await t.sut.execute(answer('sms', { code: '123456' }));
    expect(t.challenges.spendAttempt).toHaveBeenCalledWith(CHALLENGE, null, expect.any(Function));
    expect(t.smsCodes.match).toHaveBeenCalledWith({ userId: ada.id, purposes: ['sign_in', 'recovery'], challengeId: CHALLENGE }, '123456');
    expect(t.challenges.complete).toHaveBeenCalledWith(CHALLENGE);
    const [, , restriction, extra] = t.login.issueSession.mock.calls[0];
    expect(restriction).toBeNull();
    expect(extra).toMatchObject({ method: 'sms', within: expect.any(Function) });
    await (extra as { within: (m: unknown) => Promise<void> }).within({});
    expect(t.smsCodes.spend).toHaveBeenCalledWith('sms-1', {});
  });

  it('sms recovery: the other factors are removed and the session may only set one up again', async () => {
    const t = setup({ sms: { purpose: 'recovery' } });
    await t.sut.execute(answer('sms', { code: '123456', trustDevice: true }));
    expect(t.reset.recover).toHaveBeenCalledWith(ada, expect.anything(), 'sms', 'you signed in with an SMS recovery code');
    expect(t.smsCodes.spend).toHaveBeenCalledWith('sms-1', {});
    expect(t.login.issueSession).toHaveBeenCalledWith(ada, client, 'mfa_recovery', { method: 'sms_recovery' });
    // A recovery never trusts the device.
    expect(t.trustedDevices.trust).not.toHaveBeenCalled();
  });

  it('backup_code: spent in the session transaction, which audits it and mails the user', async () => {
    const t = setup({ backupCode: true });
    await t.sut.execute(answer('backup_code', { code: 'abcde-fghij' }));
    expect(t.backupCodes.match).toHaveBeenCalledWith(ada.id, 'abcde-fghij');
    const extra = t.login.issueSession.mock.calls[0][3] as { method: string; within: (m: unknown) => Promise<void> };
    expect(extra.method).toBe('backup_code');
    await extra.within({});
    expect(t.backupCodes.consumeById).toHaveBeenCalledWith('backup-1', new Date(NOW_MS), {});
  });

  it('passkey: the assertion on the options issued for this challenge; its counter claimed in the single statement', async () => {
    const t = setup({ passkey: true });
    await t.sut.execute(answer('passkey', { passkeyChallengeId: 'webauthn-1', credential: { id: 'cred' } }));
    expect(t.passkeys.matchSecondFactor).toHaveBeenCalledWith(ada, CHALLENGE, { challengeId: 'webauthn-1', credential: { id: 'cred' } });
    const extra = t.login.issueSession.mock.calls[0][3] as { method: string; require: { statements: SqlStatement[] } };
    expect(extra.method).toBe('passkey');
    expect(extra.require.statements[1].sql).toMatch(/sign_count/);
  });

  it('passkey: an assertion that does not prove the user is PASSKEY_REFUSED and a failure', async () => {
    const t = setup({ passkey: false });
    await expect(t.sut.execute(answer('passkey', { passkeyChallengeId: 'webauthn-1', credential: {} }))).rejects.toMatchObject({
      code: 'PASSKEY_REFUSED',
    });
    expect(t.lock.recordFailure).toHaveBeenCalledWith(ada, t.ticket);
    expect(t.activity.record).toHaveBeenCalledWith(ada.id, client, 'mfa_failed', 'passkey');
  });

  it('sms and backup codes that do not match are wrong codes', async () => {
    const sms = setup({ sms: null });
    await expect(sms.sut.execute(answer('sms', { code: '123456' }))).rejects.toMatchObject({ code: 'INVALID_MFA_CODE' });
    const backup = setup({ backupCode: false });
    await expect(backup.sut.execute(answer('backup_code', { code: 'abcde-fghij' }))).rejects.toMatchObject({ code: 'INVALID_MFA_CODE' });
  });
});

describe('CompleteMfaSignInUseCase: trusted device', () => {
  it('on: the device is trusted and its token comes back with the session', async () => {
    const t = setup();
    await expect(t.sut.execute(answer('totp', { code: rightTotp(), trustDevice: true }))).resolves.toEqual({
      ...t.session,
      device: t.device,
    });
    expect(t.trustedDevices.trust).toHaveBeenCalledWith(ada, client);
  });

  it('off: no device is trusted', async () => {
    const t = setup({ backupCode: true });
    await expect(t.sut.execute(answer('backup_code', { code: 'abcde-fghij', trustDevice: false }))).resolves.toEqual(t.session);
    expect(t.trustedDevices.trust).not.toHaveBeenCalled();
  });

  it('a wrong code never trusts the device', async () => {
    const t = setup();
    await expect(t.sut.execute(answer('totp', { code: wrongTotp(), trustDevice: true }))).rejects.toMatchObject({
      code: 'INVALID_MFA_CODE',
    });
    expect(t.trustedDevices.trust).not.toHaveBeenCalled();
  });
});
