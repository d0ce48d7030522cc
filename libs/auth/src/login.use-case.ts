import { AuditAction, AuditService } from '@latchkey/audit';
import {
  APP_CONFIG,
  AppConfig,
  ClientInfo,
  FactOf,
  PasswordHasher,
  SessionRestriction,
  SqlBatch,
  SqlFacts,
  SqlStatement,
} from '@latchkey/core';
import { NotificationsService } from '@latchkey/notifications';
import { IssuedSession, SessionsService } from '@latchkey/sessions';
import { User, UsersService } from '@latchkey/users';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

import { authError } from './auth.exception';
import { LoginActivityService } from './login-activity.service';
import { AttemptTicket, LoginThrottle } from './login-throttle.service';
import { PasswordCheck } from './password-check.service';
import { SignInContext, SignInSteps } from './sign-in-steps';

export type LoginResult =
  | { status: 'authenticated' | 'mfa_setup_required'; user: User; token: string; csrfToken: string; sessionId: string; expiresAt: Date }
  | { status: 'mfa_required'; challenge: Record<string, unknown> };

/**
 * The sign-in flow: throttle, verify the password (or a dummy hash, so unknown emails cost the
 * same), then the one place that decides authenticated / mfa_required / mfa_setup_required.
 */
@Injectable()
export class LoginUseCase {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly hasher: PasswordHasher,
    private readonly throttle: LoginThrottle,
    private readonly activity: LoginActivityService,
    private readonly passwords: PasswordCheck,
    private readonly steps: SignInSteps,
    private readonly audit: AuditService,
    private readonly notifications: NotificationsService,
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Step one: the password. Returns the user, or throws the same error for every failure. */
  async verifyCredentials(email: string, password: string, client: ClientInfo): Promise<{ user: User; ticket: AttemptTicket }> {
    const ticket = await this.passwords.reserve(email, client, () => this.users.findByEmail(email));
    let user: User | null;
    let ok: boolean;
    try {
      user = await this.users.findByEmail(email);
      // Shed before the hash when the pool cannot take this one in time: a flood of sign-ins gets
      // fast 503s and the rest of the API keeps its cores. After the throttle, so a burst against
      // one account is still refused with 429 first; the same for known and unknown addresses.
      const admission = this.hasher.admitSignIn();
      if (!admission.admitted) {
        throw authError('SIGN_IN_BUSY', 'Too many sign-ins right now. Try again in a moment.', {
          retryAfterSeconds: admission.retryAfterSeconds,
        });
      }
      try {
        ok = user?.passwordHash ? await this.hasher.verify(user.passwordHash, password) : await this.hasher.verifyDummy(password);
      } finally {
        admission.release();
      }
    } catch (err) {
      // An outage (or a shed attempt) is not a wrong password: it must not count towards a lockout.
      await this.throttle.release(ticket);
      throw err;
    }
    if (!user || !ok) {
      await this.passwords.failed(user, ticket, client, 'invalid_credentials');
      throw authError('INVALID_CREDENTIALS', 'The email or password is not right.');
    }
    await this.throttle.succeeded(ticket);
    return { user, ticket };
  }

  /** Step two: the steps registered by MFA and accounts decide; otherwise a full session. */
  async decide(
    user: User,
    client: ClientInfo,
    deviceToken?: string,
    /**
     * A first factor other than the password (a passkey, a sign-in provider): `method` is what
     * login activity and the audit log say; `bothFactors` only when the credential itself proved
     * both factors (a user-verified passkey), otherwise the second-factor step still asks.
     */
    passwordless?: {
      method: string;
      bothFactors: boolean;
      require?: { statements: SqlStatement[]; refused: () => Promise<Error> };
    },
  ): Promise<LoginResult> {
    // Said only after the right password, so it reveals nothing about which addresses exist.
    if (this.config.auth.requireVerifiedEmail && !user.emailVerifiedAt) {
      await this.activity.record(user.id, client, 'failure', 'email_not_verified');
      throw authError('EMAIL_NOT_VERIFIED', 'Confirm your email address first: follow the link we emailed you, then sign in.');
    }
    // Every step's reads, whether the user has a second factor and whether this is a new device:
    // one statement (after the password step's read of the user, a sign-in without 2FA makes two more: this and the writes).
    const facts = new SqlFacts();
    const hasSecondFactor = facts.ask(this.steps.secondFactor.hasSecondFactorFact(user.id), FactOf.boolean);
    const newDevice = facts.ask(this.activity.newDeviceFact(user.id, client), FactOf.boolean);
    const steps = this.steps.all();
    const asked = steps.map((step) => step.ask?.(user, client, facts));
    await facts.read(this.dataSource);
    const context: SignInContext = {
      user,
      client,
      deviceToken,
      bothFactorsBy: passwordless?.bothFactors ? passwordless.method : undefined,
      hasSecondFactor: hasSecondFactor(),
    };
    let restriction: SessionRestriction | null = null;
    for (const [i, step] of steps.entries()) {
      const decision = await step.evaluate(context, asked[i]);
      if (decision?.kind === 'challenge') {
        await this.activity.record(user.id, client, 'mfa_required', step.name);
        return { status: 'mfa_required', challenge: decision.response };
      }
      if (decision?.kind === 'restrict') {
        restriction = decision.restriction;
        break;
      }
    }
    return this.issueSession(user, client, restriction, {
      ...(passwordless ? { method: passwordless.method, require: passwordless.require } : {}),
      newDevice: Promise.resolve(newDevice()),
    });
  }

  /**
   * Ends a sign-in: the session, login activity, audit, and a new-device alert. The password step
   * and the second step both end here. Without a new-device alert to queue or a `within` callback,
   * the writes (and the `require`d compare-and-swaps, e.g. the spent TOTP step and the finished
   * challenge) go to PostgreSQL as one statement: one round trip, all or nothing.
   *
   * The only writer of sessions (SessionsService.create/prepare), called only by `decide` and by
   * mfa's CompleteMfaSignInUseCase, which finishes a sign-in `decide` answered with a challenge
   * (the challenge exists only because the decision opened it, and is completed in the session's
   * own statement); test/identity/session-issuance keeps it so.
   */
  async issueSession(
    user: User,
    client: ClientInfo,
    restriction: SessionRestriction | null,
    extra: {
      method?: string;
      within?: (m: EntityManager) => Promise<void>;
      /** Compare-and-swaps that must each touch a row, or no session; `refused` is the error then. */
      require?: { statements: SqlStatement[]; refused: () => Promise<Error> };
      /** The new-device check, when the caller started it early. */
      newDevice?: Promise<boolean>;
    } = {},
  ): Promise<LoginResult> {
    const isNewDevice = await (extra.newDevice ?? this.activity.isNewDevice(user.id, client));
    const method = extra.method ?? 'password';
    const outcome = restriction ? 'mfa_setup_required' : 'success';
    const audit = (sessionId: string) => ({
      action: AuditAction.LoginSucceeded,
      actorUserId: user.id,
      subjectUserId: user.id,
      metadata: {
        sessionId,
        method,
        restriction,
        newDevice: isNewDevice,
        browser: client.browser,
        os: client.os,
        location: client.location,
      },
    });
    if (!extra.within && !isNewDevice) {
      const batch = new SqlBatch();
      for (const statement of extra.require?.statements ?? []) {
        batch.require(statement);
      }
      const issued = this.sessions.prepare(user.id, client, { restriction }, batch);
      this.activity.prepare(user.id, client, outcome, method, batch);
      this.audit.prepare(audit(issued.session.id), batch);
      if (!(await batch.run(this.dataSource))) {
        throw await extra.require!.refused();
      }
      return this.result(user, restriction, issued);
    }
    const issued = await this.dataSource.transaction(async (m) => {
      // The code that proved the second factor is spent with the session, or not at all.
      await extra.within?.(m);
      for (const statement of extra.require?.statements ?? []) {
        const raw: unknown = await m.query(statement.sql, statement.params);
        const rows = Array.isArray(raw) && raw.length === 2 && Array.isArray(raw[0]) ? (raw[0] as unknown[]) : (raw as unknown[]);
        if (rows.length === 0) {
          throw await extra.require!.refused();
        }
      }
      const s = await this.sessions.create(user.id, client, { restriction }, m);
      await this.activity.record(user.id, client, outcome, method, m);
      await this.audit.record(audit(s.session.id), m);
      if (isNewDevice) {
        await this.notifications.notify(
          {
            event: 'security.new_sign_in',
            to: { userId: user.id, email: user.email, name: user.displayName, locale: user.language },
            data: {
              when: new Date().toUTCString(),
              browser: client.browser,
              os: client.os,
              location: client.location,
              ip: client.ip ?? 'unknown',
            },
          },
          m,
        );
      }
      return s;
    });
    return this.result(user, restriction, issued);
  }

  private result(user: User, restriction: SessionRestriction | null, issued: IssuedSession): LoginResult {
    return {
      status: restriction ? 'mfa_setup_required' : 'authenticated',
      user,
      token: issued.token,
      csrfToken: issued.csrfToken,
      sessionId: issued.session.id,
      expiresAt: issued.session.expiresAt,
    };
  }
}
