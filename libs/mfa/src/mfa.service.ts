import { AuditService } from '@latchkey/audit';
import { Reauthenticated, ReauthService, SecondFactorProof } from '@latchkey/auth';
import { APP_CONFIG, AppConfig, Clock, Counter, Principal, RateLimitStore, SecretBox, sessionIdOf } from '@latchkey/core';
import { EventType, NotificationsService } from '@latchkey/notifications';
import { SessionsService } from '@latchkey/sessions';
import { User, UsersService } from '@latchkey/users';
import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

import { BackupCodesService } from './backup-codes/backup-codes.service';
import { FactorEnabledDto, MfaStatusDto, SmsSentDto, TotpSetupResponseDto } from './dto/mfa.dto';
import { FactorKind, MfaFactor } from './entities/mfa-factor.entity';
import { FactorsRepository } from './factors.repository';
import { MFA_OPTIONS, MfaAuditAction, MfaOptions } from './mfa.constants';
import { mfaError } from './mfa.exception';
import { SmsGuard } from './sms-guard';
import { SmsCodeScope, SmsCodesService } from './sms/sms-codes.service';
import { SmsSender, maskPhone } from './sms/sms-sender';
import { Totp } from './totp/totp';
import { TrustedDevicesService } from './trusted-devices/trusted-devices.service';

const METHOD_LABEL: Record<FactorKind, string> = {
  totp: 'An authenticator app',
  sms: 'A phone number for text-message codes',
  passkey: 'A passkey',
};

export interface MfaCheckTicket {
  userId: string;
  count: number;
}

export const invalidCode = (field = 'code') =>
  mfaError('INVALID_MFA_CODE', 'That code is not right.', { errors: [{ field, message: 'is not right' }] });

/** Enrolment, verification and removal of second factors for one user at a time. */
@Injectable()
export class MfaService implements OnApplicationBootstrap {
  /**
   * Port filled by the accounts lib: names of accounts the user belongs to that require 2FA.
   * Required: a boot without it fails (onApplicationBootstrap) rather than report no requirement.
   */
  requiredBySource?: (userId: string) => Promise<string[]>;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(MFA_OPTIONS) private readonly options: MfaOptions,
    private readonly factors: FactorsRepository,
    private readonly backupCodes: BackupCodesService,
    private readonly smsCodes: SmsCodesService,
    private readonly sms: SmsSender,
    private readonly trustedDevices: TrustedDevicesService,
    private readonly secrets: SecretBox,
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly auditLog: AuditService,
    private readonly notifications: NotificationsService,
    private readonly reauth: ReauthService,
    private readonly rateLimits: RateLimitStore,
    private readonly clock: Clock,
    private readonly smsGuard: SmsGuard,
  ) {}

  onApplicationBootstrap(): void {
    this.requiredByPort();
  }

  private requiredByPort(): (userId: string) => Promise<string[]> {
    if (!this.requiredBySource) {
      throw new Error(
        'Refusing to start: MfaService.requiredBySource is not set (is AccountsModule imported?). ' +
          'Without it, accounts that require 2FA would not be enforced.',
      );
    }
    return this.requiredBySource;
  }

  async status(userId: string): Promise<MfaStatusDto> {
    const confirmed = await this.factors.findConfirmed(userId);
    const totp = confirmed.some((f) => f.kind === 'totp');
    const sms = confirmed.find((f) => f.kind === 'sms');
    const passkeys = confirmed.filter((f) => f.kind === 'passkey').length;
    const backupCodesRemaining = confirmed.length > 0 ? await this.backupCodes.remaining(userId) : 0;
    return {
      enabled: confirmed.length > 0,
      totp,
      sms: sms?.phone ? maskPhone(sms.phone) : null,
      passkeys,
      backupCodesRemaining,
      requiredBy: await this.requiredByPort()(userId),
      methods: this.methodsOf(confirmed, backupCodesRemaining),
    };
  }

  methodsOf(confirmed: MfaFactor[], backupCodesRemaining: number): string[] {
    const methods: string[] = [];
    if (confirmed.some((f) => f.kind === 'totp')) {
      methods.push('totp');
    }
    if (confirmed.some((f) => f.kind === 'sms')) {
      methods.push('sms');
    }
    if (confirmed.some((f) => f.kind === 'passkey')) {
      methods.push('passkey');
    }
    if (confirmed.length > 0 && backupCodesRemaining > 0) {
      methods.push('backup_code');
    }
    return methods;
  }

  async hasSecondFactor(userId: string): Promise<boolean> {
    return (await this.factors.findConfirmed(userId)).length > 0;
  }

  // --- TOTP ---------------------------------------------------------------------------------

  /**
   * Adding a factor next to an existing one needs a fresh sign-in or proof: otherwise a stolen
   * session could add the thief's phone and later "recover" the account with it.
   */
  async assertMayAddFactor(principal: Principal, proof: { password?: string; code?: string }): Promise<Reauthenticated | undefined> {
    return (await this.hasSecondFactor(principal.userId)) ? this.reauth.assert(principal, proof) : undefined;
  }

  async startTotp(principal: Principal, proof: { password?: string; code?: string } = {}): Promise<TotpSetupResponseDto> {
    const reauthenticated = await this.assertMayAddFactor(principal, proof);
    const secret = Totp.generateSecret();
    await this.dataSource.transaction(async (m) => {
      const ok = await this.factors.upsertPending(
        principal.userId,
        'totp',
        { secretSealed: this.secrets.seal(secret, principal.userId) },
        this.clock.now(),
        m,
      );
      if (!ok) {
        throw mfaError('MFA_ALREADY_ENABLED', 'An authenticator app is already set up. Remove it first to set up another one.');
      }
      await reauthenticated?.spend(m);
    });
    const otpauthUri = Totp.uri(this.config.auth.totpIssuer, principal.email, secret);
    return { secret, otpauthUri, qrCode: await Totp.qrDataUrl(otpauthUri) };
  }

  async confirmTotp(principal: Principal, code: string): Promise<FactorEnabledDto> {
    const factor = await this.factors.find(principal.userId, 'totp');
    if (!factor || factor.confirmedAt || !factor.secretSealed) {
      throw factor?.confirmedAt
        ? mfaError('MFA_ALREADY_ENABLED', 'An authenticator app is already set up.')
        : mfaError('MFA_SETUP_NOT_STARTED', 'Start the authenticator setup first.');
    }
    const step = Totp.verify(this.secrets.open(factor.secretSealed, principal.userId), code, this.epochSeconds());
    if (step === undefined) {
      throw invalidCode();
    }
    return this.enable(principal, factor, 'totp', step);
  }

  /** For the demo seed: a confirmed authenticator with a known secret, unless one exists. */
  async ensureConfirmedTotp(userId: string, secret: string): Promise<void> {
    const now = this.clock.now();
    await this.dataSource.query(
      `INSERT INTO mfa_factors (user_id, kind, secret_sealed, confirmed_at, created_at, updated_at)
       VALUES ($1, 'totp', $2, $3, $3, $3) ON CONFLICT (user_id, kind) WHERE kind <> 'passkey' DO NOTHING`,
      [userId, this.secrets.seal(secret, userId), now],
    );
  }

  // --- SMS ----------------------------------------------------------------------------------

  async startSms(principal: Principal, phone: string, proof: { password?: string; code?: string } = {}): Promise<SmsSentDto> {
    const reauthenticated = await this.assertMayAddFactor(principal, proof);
    await this.smsGuard.assertMayAddPhone(principal.userId, phone);
    // The sending limits first: a refused request must not spend the code given as proof.
    await this.smsGuard.reserve(principal.userId, phone, 'setup');
    await this.smsCodes.reserveSend(principal.userId, 'setup');
    const { code, expiresAt } = await this.dataSource.transaction(async (m) => {
      const ok = await this.factors.upsertPending(principal.userId, 'sms', { phone }, this.clock.now(), m);
      if (!ok) {
        throw mfaError('MFA_ALREADY_ENABLED', 'A phone is already set up. Remove it first to use another number.');
      }
      await reauthenticated?.spend(m);
      return this.smsCodes.store(principal.userId, 'setup', null, m);
    });
    await this.sms.send(phone, `Your Latchkey code to add this phone is ${code}. It expires in 10 minutes.`);
    return { status: 'sent', phone: maskPhone(phone), expiresAt: expiresAt.toISOString() };
  }

  async confirmSms(principal: Principal, code: string): Promise<FactorEnabledDto> {
    const factor = await this.factors.find(principal.userId, 'sms');
    if (!factor || factor.confirmedAt) {
      throw factor?.confirmedAt
        ? mfaError('MFA_ALREADY_ENABLED', 'A phone is already set up.')
        : mfaError('MFA_SETUP_NOT_STARTED', 'Send a code to your phone first.');
    }
    if (!(await this.smsCodes.verify({ userId: principal.userId, purposes: ['setup'], challengeId: null }, code))) {
      throw invalidCode();
    }
    return this.enable(principal, factor, 'sms', null);
  }

  async sendSignInSms(userId: string, challengeId: string | null, purpose: 'sign_in' | 'recovery'): Promise<SmsSentDto> {
    await this.assertNotLocked(userId);
    const factor = await this.factors.find(userId, 'sms');
    if (!factor?.confirmedAt || !factor.phone) {
      throw purpose === 'recovery'
        ? mfaError(
            'NO_RECOVERY_PHONE',
            'There is no verified phone on this account. Use a backup code or open a support ticket to recover it.',
          )
        : mfaError('MFA_METHOD_UNAVAILABLE', 'Text-message codes are not set up on this account.', {
            errors: [{ field: 'method', message: 'is not set up' }],
          });
    }
    await this.smsGuard.reserve(userId, factor.phone, purpose);
    const { code, expiresAt } = await this.smsCodes.issue(userId, purpose, challengeId);
    await this.sms.send(
      factor.phone,
      purpose === 'recovery'
        ? `Your Latchkey recovery code is ${code}. Using it removes your authenticator app so you can set up a new one. It expires in 10 minutes.`
        : `Your Latchkey sign-in code is ${code}. It expires in 10 minutes. Never share it.`,
    );
    return { status: 'sent', phone: maskPhone(factor.phone), expiresAt: expiresAt.toISOString() };
  }

  async recoveryPhone(userId: string): Promise<string | undefined> {
    const factor = await this.factors.find(userId, 'sms');
    return factor?.confirmedAt && factor.phone ? factor.phone : undefined;
  }

  // --- Enabling and removing ----------------------------------------------------------------

  private async enable(principal: Principal, factor: MfaFactor, kind: FactorKind, step: number | null): Promise<FactorEnabledDto> {
    const user = await this.users.get(principal.userId);
    const now = this.clock.now();
    return this.dataSource.transaction(async (m) => {
      const hadFactor = (await this.factors.findConfirmed(user.id, m)).length > 0;
      if (!(await this.factors.confirm(factor.id, now, step, m))) {
        throw mfaError('MFA_ALREADY_ENABLED', 'This factor is already set up.');
      }
      const backupCodes = await this.factorAdded(principal, hadFactor, now, m);
      await this.auditLog.record(
        { action: kind === 'totp' ? MfaAuditAction.TotpEnabled : MfaAuditAction.SmsEnabled, actorUserId: user.id, subjectUserId: user.id },
        m,
      );
      await this.notify(user, 'security.mfa_enabled', { method: METHOD_LABEL[kind], when: now.toUTCString() }, m);
      return { status: 'enabled', method: kind, ...(backupCodes ? { backupCodes } : {}) };
    });
  }

  /**
   * After a factor was confirmed in `m`: backup codes with the first factor (or when none are
   * left), and a session restricted to enrolment becomes a full one.
   */
  async factorAdded(principal: Principal, hadFactor: boolean, now: Date, m: EntityManager): Promise<string[] | undefined> {
    let backupCodes: string[] | undefined;
    if (!hadFactor || (await this.backupCodes.remaining(principal.userId, m)) === 0) {
      backupCodes = await this.backupCodes.replace(principal.userId, this.options.backupCodeCount, now, m);
    }
    if (principal.restriction) {
      await this.sessions.setRestriction(principal.userId, sessionIdOf(principal), null, m);
    }
    return backupCodes;
  }

  /** After a factor was removed in `m`: no backup codes without a factor; trusted devices are revoked. */
  async factorRemoved(userId: string, m: EntityManager): Promise<number> {
    if ((await this.factors.findConfirmed(userId, m)).length === 0) {
      await this.backupCodes.removeAll(userId, m);
    }
    return this.trustedDevices.revokeAll(userId, m);
  }

  async disable(principal: Principal, kind: FactorKind, proof: { password?: string; code?: string }): Promise<void> {
    const reauthenticated = await this.reauth.assert(principal, proof, { requireProof: true });
    const user = await this.users.get(principal.userId);
    const now = this.clock.now();
    await this.dataSource.transaction(async (m) => {
      await reauthenticated.spend(m);
      const factor = await this.factors.find(user.id, kind, m);
      if (!factor?.confirmedAt || !(await this.factors.remove(user.id, kind, m))) {
        throw mfaError('MFA_FACTOR_NOT_FOUND', kind === 'totp' ? 'No authenticator app is set up.' : 'No phone is set up.');
      }
      const revoked = await this.factorRemoved(user.id, m);
      await this.auditLog.record(
        {
          action: kind === 'totp' ? MfaAuditAction.TotpDisabled : MfaAuditAction.SmsDisabled,
          actorUserId: user.id,
          subjectUserId: user.id,
          metadata: { trustedDevicesRevoked: revoked },
        },
        m,
      );
      await this.notify(user, 'security.mfa_disabled', { method: METHOD_LABEL[kind], when: now.toUTCString() }, m);
    });
  }

  async regenerateBackupCodes(principal: Principal, proof: { password?: string; code?: string }): Promise<string[]> {
    const reauthenticated = await this.reauth.assert(principal, proof, { requireProof: true });
    if (!(await this.hasSecondFactor(principal.userId))) {
      throw mfaError('MFA_FACTOR_NOT_FOUND', 'Set up two-factor authentication first.');
    }
    return this.dataSource.transaction(async (m) => {
      await reauthenticated.spend(m);
      const codes = await this.backupCodes.replace(principal.userId, this.options.backupCodeCount, this.clock.now(), m);
      await this.auditLog.record(
        { action: MfaAuditAction.BackupCodesRegenerated, actorUserId: principal.userId, subjectUserId: principal.userId },
        m,
      );
      return codes;
    });
  }

  async selfReset(principal: Principal, proof: { password?: string; code?: string }): Promise<void> {
    const reauthenticated = await this.reauth.assert(principal, proof, { requireProof: true });
    const user = await this.users.get(principal.userId);
    await this.dataSource.transaction(async (m) => {
      await reauthenticated.spend(m);
      await this.wipe(user, 'you reset it from your security settings', user.id, m);
    });
  }

  /** Removes every factor, backup code, pending SMS code and trusted device; emails and audits it. */
  async wipe(user: User, reason: string, actorUserId: string | null, m: EntityManager, keep: FactorKind[] = []): Promise<void> {
    const confirmed = await this.factors.findConfirmed(user.id, m);
    for (const f of confirmed) {
      if (!keep.includes(f.kind)) {
        await this.factors.remove(user.id, f.kind, m);
      }
    }
    await m.query(`DELETE FROM mfa_factors WHERE user_id = $1 AND confirmed_at IS NULL`, [user.id]);
    await this.backupCodes.removeAll(user.id, m);
    await this.smsCodes.removeAll(user.id, m);
    const revoked = await this.trustedDevices.revokeAll(user.id, m);
    await this.auditLog.record(
      {
        action: MfaAuditAction.Reset,
        actorUserId,
        actorKind: actorUserId ? 'user' : 'system',
        subjectUserId: user.id,
        metadata: { reason, removed: confirmed.map((f) => f.kind).filter((k) => !keep.includes(k)), trustedDevicesRevoked: revoked },
      },
      m,
    );
    await this.notify(user, 'security.mfa_reset', { reason, when: this.clock.now().toUTCString() }, m);
  }

  // --- Verification -------------------------------------------------------------------------

  private epochSeconds(): number {
    return Math.floor(this.clock.nowMs() / 1000);
  }

  /** A TOTP that matches now and whose step was not used yet; spending claims the step (no replay). */
  /** `preloaded`: the factor as already read (`undefined` reads it; `null` means there is none). */
  async matchTotp(userId: string, code: string, preloaded?: MfaFactor | null): Promise<SecondFactorProof | undefined> {
    const factor = preloaded === undefined ? await this.factors.find(userId, 'totp') : preloaded;
    if (!factor?.confirmedAt || !factor.secretSealed) {
      return undefined;
    }
    const step = Totp.verify(this.secrets.open(factor.secretSealed, userId), code, this.epochSeconds());
    if (step === undefined || (factor.lastUsedStep !== null && Number(factor.lastUsedStep) >= step)) {
      return undefined;
    }
    return {
      spend: async (m) => {
        if (!(await this.factors.claimTotpStep(factor.id, step, this.clock.now(), m))) {
          throw invalidCode();
        }
      },
      claim: this.factors.claimTotpStepStatement(factor.id, step, this.clock.now()),
    };
  }

  /** An unused backup code; spending it tells the user (and warns when few remain), in the same transaction. */
  async matchBackupCode(user: User, code: string): Promise<SecondFactorProof | undefined> {
    const id = await this.backupCodes.match(user.id, code);
    if (!id) {
      return undefined;
    }
    return {
      spend: async (m) => {
        if (!(await this.backupCodes.consumeById(id, this.clock.now(), m))) {
          throw invalidCode();
        }
        const remaining = await this.backupCodes.remaining(user.id, m);
        await this.auditLog.record(
          { action: MfaAuditAction.BackupCodeUsed, actorUserId: user.id, subjectUserId: user.id, metadata: { remaining } },
          m,
        );
        await this.notify(user, 'security.backup_code_used', { remaining, when: this.clock.now().toUTCString() }, m);
        if (remaining <= this.options.backupCodesLowAt) {
          await this.notify(user, 'security.backup_codes_low', { remaining }, m);
        }
      },
    };
  }

  /** An SMS code of the scope (an attempt of it is spent); spending marks the code used. */
  async matchSmsCode(scope: SmsCodeScope, code: string): Promise<(SecondFactorProof & { purpose: string }) | undefined> {
    const matched = await this.smsCodes.match(scope, code);
    if (!matched) {
      return undefined;
    }
    return {
      purpose: matched.purpose,
      spend: async (m) => {
        if (!(await this.smsCodes.spend(matched.id, m))) {
          throw invalidCode();
        }
      },
    };
  }

  /**
   * For reauth and password reset: a TOTP, SMS (sent without a challenge) or backup code, checked
   * under the lock (the check is reserved first). Nothing is spent until the caller spends the proof.
   */
  async check(userId: string, code: string): Promise<SecondFactorProof | undefined> {
    const ticket = await this.reserveCheck(userId);
    const user = await this.users.get(userId);
    let proof: SecondFactorProof | undefined;
    try {
      proof = /^\d{6}$/.test(code)
        ? ((await this.matchTotp(userId, code)) ?? (await this.matchSmsCode({ userId, purposes: ['sign_in'], challengeId: null }, code)))
        : await this.matchBackupCode(user, code);
    } catch (err) {
      await this.releaseCheck(ticket);
      throw err;
    }
    if (!proof) {
      await this.recordFailure(user, ticket);
      return undefined;
    }
    await this.releaseCheck(ticket);
    return proof;
  }

  private lockKey(userId: string) {
    return `mfa:fail:${userId}`;
  }

  private lockedError(resetAt: number) {
    return mfaError('MFA_LOCKED', 'Too many wrong codes. Two-factor attempts on this account are paused for a while; we emailed you.', {
      retryAfterSeconds: Math.max(1, Math.ceil((resetAt - this.clock.nowMs()) / 1000)),
    });
  }

  /** Throws while locked (for sending codes; checks go through reserveCheck). */
  async assertNotLocked(userId: string): Promise<Counter | undefined> {
    const counter = await this.rateLimits.peek(this.lockKey(userId), this.clock.nowMs());
    if (counter && counter.count >= this.options.lockAfterFailures) {
      throw this.lockedError(counter.resetAt);
    }
    return counter;
  }

  /**
   * Reserves one check on the failure counter before the code is looked at, atomically, as for
   * passwords: parallel guesses cannot run more checks than the limit. MFA_LOCKED when none is left.
   */
  async reserveCheck(userId: string): Promise<MfaCheckTicket> {
    const now = this.clock.nowMs();
    const counter = await this.rateLimits.hit(this.lockKey(userId), this.options.lockWindowMs, now);
    if (counter.count > this.options.lockAfterFailures) {
      await this.rateLimits.hit(this.lockKey(userId), this.options.lockWindowMs, now, -1).catch(() => undefined);
      throw this.lockedError(counter.resetAt);
    }
    return { userId, count: counter.count };
  }

  /** Gives back a reserved check that did not fail (a right code, or no verdict). */
  async releaseCheck(ticket: MfaCheckTicket): Promise<void> {
    await this.rateLimits.hit(this.lockKey(ticket.userId), this.options.lockWindowMs, this.clock.nowMs(), -1).catch(() => undefined);
  }

  /** A reserved check failed: the one that reaches the limit locks second-factor attempts and tells the user. */
  async recordFailure(user: User, ticket: MfaCheckTicket): Promise<void> {
    if (ticket.count === this.options.lockAfterFailures) {
      const counter = await this.rateLimits.peek(this.lockKey(user.id), this.clock.nowMs());
      const until = new Date(counter?.resetAt ?? this.clock.nowMs() + this.options.lockWindowMs);
      await this.dataSource.transaction(async (m) => {
        await this.auditLog.record(
          { action: MfaAuditAction.Locked, subjectUserId: user.id, actorKind: 'system', metadata: { until: until.toISOString() } },
          m,
        );
        await this.notify(user, 'security.mfa_locked', { until: until.toUTCString() }, m);
      });
    }
  }

  async clearFailures(userId: string): Promise<void> {
    await this.rateLimits.reset(this.lockKey(userId));
  }

  async audit(userId: string, action: string, metadata: Record<string, unknown>): Promise<void> {
    await this.auditLog.record({ action, actorUserId: userId, subjectUserId: userId, metadata });
  }

  async auditAndNotify(
    user: User,
    action: string,
    metadata: Record<string, unknown>,
    event: EventType,
    data: Record<string, unknown>,
    m: EntityManager,
  ): Promise<void> {
    await this.auditLog.record({ action, actorUserId: user.id, subjectUserId: user.id, metadata }, m);
    await this.notify(user, event, data, m);
  }

  async notify(user: User, event: EventType, data: Record<string, unknown>, m: EntityManager): Promise<void> {
    await this.notifications.notify(
      { event, to: { userId: user.id, email: user.email, name: user.displayName, locale: user.language }, data },
      m,
    );
  }
}
