import { ReauthService, SecondFactorProof } from '@latchkey/auth';
import { APP_CONFIG, AppConfig, Clock, DomainException, UserPrincipal } from '@latchkey/core';
import { User, UsersService } from '@latchkey/users';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  AuthenticationResponseJSON,
  RegistrationResponseJSON,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { DataSource } from 'typeorm';

import { ChallengesService } from '../challenges/challenges.service';
import { PasskeyDto, PasskeyOptionsDto, PasskeyRegisteredDto } from '../dto/passkeys.dto';
import { MfaFactor } from '../entities/mfa-factor.entity';
import { FactorEnrolment } from '../factors/factor-enrolment.service';
import { FactorRemoval } from '../factors/factor-removal.service';
import { MfaAuditAction } from '../mfa.constants';
import { mfaError } from '../mfa.exception';
import { MfaNotifier } from '../mfa-notifier';
import { PasskeysRepository, StoredWebauthnChallenge, WebauthnPurpose } from './passkeys.repository';

/** How long a WebAuthn challenge may be answered; the browser prompt itself times out sooner. */
const CHALLENGE_TTL_MS = 5 * 60_000;
const PROMPT_TIMEOUT_MS = 120_000;
/** Enough for every device and security key a person owns, and a bound on the allow-list. */
export const MAX_PASSKEYS = 20;

export const passkeyRefused = (detail = 'The passkey was not accepted. Try again, or use another method.') =>
  mfaError('PASSKEY_REFUSED', detail, { errors: [{ field: 'credential', message: 'was not accepted' }] });

const challengeInvalid = () =>
  mfaError('PASSKEY_CHALLENGE_INVALID', 'This passkey prompt expired or was already answered. Start again.', {
    errors: [{ field: 'challengeId', message: 'is expired, used or unknown' }],
  });

/** A verified assertion, not yet spent: spending moves the signature counter (compare-and-swap). */
export interface PasskeyAssertion {
  passkey: MfaFactor;
  userVerified: boolean;
  proof: SecondFactorProof;
}

/**
 * Passkeys (WebAuthn) through @simplewebauthn/server: registration, the list, rename and removal,
 * and the assertions that sign in (as a second factor, or alone with user verification).
 * Attestation is "none": Latchkey trusts the browser's word about the authenticator's make, as
 * Auth0, Clerk and Keycloak do by default, and keeps no attestation certificates.
 */
@Injectable()
export class PasskeysService {
  private readonly logger = new Logger(PasskeysService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly repo: PasskeysRepository,
    private readonly enrolment: FactorEnrolment,
    private readonly removal: FactorRemoval,
    private readonly notifier: MfaNotifier,
    private readonly challenges: ChallengesService,
    private readonly reauth: ReauthService,
    private readonly users: UsersService,
    private readonly clock: Clock,
  ) {}

  private get rp() {
    return this.config.auth.webauthn;
  }

  async list(userId: string): Promise<PasskeyDto[]> {
    return (await this.repo.listByUser(userId)).map(toDto);
  }

  // --- Registration -------------------------------------------------------------------------

  async registrationOptions(principal: UserPrincipal, proof: { password?: string; code?: string }): Promise<PasskeyOptionsDto> {
    const reauthenticated = await this.enrolment.assertMayAddFactor(principal, proof);
    const user = await this.users.get(principal.userId);
    const existing = await this.repo.listByUser(user.id);
    if (existing.length >= MAX_PASSKEYS) {
      throw mfaError('PASSKEY_ALREADY_REGISTERED', `You have ${MAX_PASSKEYS} passkeys, the most an account can hold. Remove one first.`);
    }
    const options = await generateRegistrationOptions({
      rpName: this.rp.rpName,
      rpID: this.rp.rpId,
      userName: user.email,
      userDisplayName: user.displayName || user.email,
      userID: new TextEncoder().encode(user.id),
      attestationType: 'none',
      excludeCredentials: existing.map((k) => ({ id: k.credentialId!, transports: splitTransports(k.transports) })),
      // A discoverable credential where the authenticator can keep one, so it also signs in without a password.
      authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
      timeout: PROMPT_TIMEOUT_MS,
    });
    return this.dataSource.transaction(async (m) => {
      await reauthenticated?.spend(m);
      return this.issue('register', user.id, null, options.challenge, options as unknown as Record<string, unknown>, m);
    });
  }

  async register(principal: UserPrincipal, input: { challengeId: string; name: string; credential: Record<string, unknown> }) {
    const stored = await this.take(input.challengeId, 'register', principal.userId);
    let info;
    try {
      const verified = await verifyRegistrationResponse({
        response: input.credential as unknown as RegistrationResponseJSON,
        expectedChallenge: stored.challenge,
        expectedOrigin: this.rp.origins,
        expectedRPID: this.rp.rpId,
        requireUserVerification: false,
      });
      if (!verified.verified) {
        throw passkeyRefused();
      }
      info = verified.registrationInfo;
    } catch (err) {
      throw this.refusal(err, 'registration');
    }
    const user = await this.users.get(principal.userId);
    const now = this.clock.now();
    const result: PasskeyRegisteredDto = await this.dataSource.transaction(async (m) => {
      // Registrations of one user take turns, so two at once cannot both pass the cap at 19.
      await m.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`passkey-register:${user.id}`]);
      const before = await this.repo.listByUser(user.id, m);
      if (before.length >= MAX_PASSKEYS) {
        throw mfaError('PASSKEY_ALREADY_REGISTERED', `You have ${MAX_PASSKEYS} passkeys, the most an account can hold. Remove one first.`);
      }
      const hadFactor = await this.enrolment.hasFactor(user.id, m);
      const id = await this.repo.insert(
        user.id,
        {
          name: input.name,
          credentialId: info.credential.id,
          publicKey: info.credential.publicKey,
          signCount: info.credential.counter,
          transports: (info.credential.transports ?? []).filter((t) => /^[a-z-]{2,20}$/.test(t)),
          aaguid: info.aaguid,
          backedUp: info.credentialBackedUp,
        },
        now,
        m,
      );
      if (!id) {
        throw mfaError('PASSKEY_ALREADY_REGISTERED', 'This passkey is already registered.', {
          errors: [{ field: 'credential', message: 'is already registered' }],
        });
      }
      const backupCodes = await this.enrolment.factorAdded(principal, hadFactor, now, m);
      await this.notifier.record(
        {
          action: MfaAuditAction.PasskeyAdded,
          actorUserId: user.id,
          subjectUserId: user.id,
          metadata: { passkeyId: id, name: input.name },
        },
        m,
      );
      await this.notifier.notify(user, 'security.passkey_added', { passkey: input.name, when: now.toUTCString() }, m);
      const passkey: PasskeyDto = {
        id,
        name: input.name,
        createdAt: now.toISOString(),
        lastUsedAt: null,
        transports: splitTransports(info.credential.transports?.join(',') ?? null),
        backedUp: info.credentialBackedUp,
      };
      return { status: 'enabled', method: 'passkey', passkey, ...(backupCodes ? { backupCodes } : {}) };
    });
    return result;
  }

  // --- Management ---------------------------------------------------------------------------

  async rename(principal: UserPrincipal, id: string, name: string): Promise<PasskeyDto> {
    const before = await this.repo.findOne(principal.userId, id);
    if (!before || !(await this.repo.rename(principal.userId, id, name, this.clock.now()))) {
      throw notFound();
    }
    await this.notifier.record({
      action: MfaAuditAction.PasskeyRenamed,
      actorUserId: principal.userId,
      subjectUserId: principal.userId,
      metadata: { passkeyId: id, from: before.name, to: name },
    });
    return toDto({ ...before, name });
  }

  /** Needs reauth: a session that signed in within 5 minutes, or the password (and a code with 2FA). */
  async remove(principal: UserPrincipal, id: string, proof: { password?: string; code?: string }): Promise<void> {
    if (!(await this.repo.findOne(principal.userId, id))) {
      throw notFound();
    }
    const reauthenticated = await this.reauth.assert(principal, proof);
    const user = await this.users.get(principal.userId);
    const now = this.clock.now();
    await this.dataSource.transaction(async (m) => {
      await reauthenticated.spend(m);
      const removed = await this.repo.remove(user.id, id, m);
      if (!removed) {
        throw notFound();
      }
      const revoked = await this.removal.factorRemoved(user.id, m);
      await this.notifier.record(
        {
          action: MfaAuditAction.PasskeyRemoved,
          actorUserId: user.id,
          subjectUserId: user.id,
          metadata: { passkeyId: id, name: removed.name, trustedDevicesRevoked: revoked },
        },
        m,
      );
      await this.notifier.notify(user, 'security.passkey_removed', { passkey: removed.name, when: now.toUTCString() }, m);
    });
  }

  // --- Assertions ---------------------------------------------------------------------------

  /** Options for the second step of a password sign-in: the user's passkeys, on a live challenge. */
  async secondFactorOptions(mfaChallengeId: string): Promise<PasskeyOptionsDto> {
    const challenge = await this.challenges.live(mfaChallengeId);
    const keys = await this.repo.listByUser(challenge.userId);
    if (keys.length === 0) {
      throw mfaError('MFA_METHOD_UNAVAILABLE', 'There is no passkey on this account.', {
        errors: [{ field: 'method', message: 'is not set up' }],
      });
    }
    const options = await generateAuthenticationOptions({
      rpID: this.rp.rpId,
      allowCredentials: keys.map((k) => ({ id: k.credentialId!, transports: splitTransports(k.transports) })),
      userVerification: 'preferred',
      timeout: PROMPT_TIMEOUT_MS,
    });
    return this.issue('second_factor', challenge.userId, challenge.id, options.challenge, options as unknown as Record<string, unknown>);
  }

  /** Options for a sign-in with a passkey alone: any discoverable credential, user verification required. */
  async passwordlessOptions(): Promise<PasskeyOptionsDto> {
    const options = await generateAuthenticationOptions({ rpID: this.rp.rpId, userVerification: 'required', timeout: PROMPT_TIMEOUT_MS });
    return this.issue('passwordless', null, null, options.challenge, options as unknown as Record<string, unknown>);
  }

  /** The second step's passkey answer: undefined when it does not prove the user of the challenge. */
  async matchSecondFactor(
    user: User,
    mfaChallengeId: string,
    input: { challengeId: string; credential: Record<string, unknown> },
  ): Promise<PasskeyAssertion | undefined> {
    const stored = await this.repo.consumeChallenge(input.challengeId, 'second_factor');
    if (!stored || stored.userId !== user.id || stored.mfaChallengeId !== mfaChallengeId || this.expired(stored)) {
      return undefined;
    }
    const passkey = await this.findCredential(input.credential);
    if (!passkey || passkey.userId !== user.id) {
      return undefined;
    }
    return this.verifyAssertion(user, passkey, stored, input.credential, false);
  }

  /** Takes the passwordless challenge out; undefined when it is unknown, used or expired. */
  async takePasswordless(challengeId: string): Promise<StoredWebauthnChallenge | undefined> {
    const stored = await this.repo.consumeChallenge(challengeId, 'passwordless');
    return stored && !this.expired(stored) ? stored : undefined;
  }

  async findCredential(credential: Record<string, unknown>): Promise<MfaFactor | null> {
    const id = credential.id;
    return typeof id === 'string' && /^[A-Za-z0-9_-]{1,1400}$/.test(id) ? this.repo.findByCredentialId(id) : null;
  }

  /**
   * Checks the signature, origin, RP id, challenge and flags. The signature counter is compared
   * only after the signature is verified: a counter that did not move forward from a genuine
   * signature means a copy of the key is in use (a clone), so the user is told and it is refused.
   */
  async verifyAssertion(
    user: User,
    passkey: MfaFactor,
    stored: StoredWebauthnChallenge,
    credential: Record<string, unknown>,
    requireUserVerification: boolean,
  ): Promise<PasskeyAssertion | undefined> {
    let info;
    try {
      const verified = await verifyAuthenticationResponse({
        response: credential as unknown as AuthenticationResponseJSON,
        expectedChallenge: stored.challenge,
        expectedOrigin: this.rp.origins,
        expectedRPID: this.rp.rpId,
        // Counter 0 here: the library would compare before checking the signature (see below).
        credential: { id: passkey.credentialId!, publicKey: new Uint8Array(passkey.publicKey!), counter: 0 },
        requireUserVerification,
      });
      if (!verified.verified) {
        return undefined;
      }
      info = verified.authenticationInfo;
    } catch (err) {
      this.logger.debug(`Passkey assertion refused: ${(err as Error).message}`);
      return undefined;
    }
    const known = Number(passkey.signCount);
    if ((info.newCounter > 0 || known > 0) && info.newCounter <= known) {
      await this.cloneSuspected(user, passkey, known, info.newCounter);
      return undefined;
    }
    const now = this.clock.now();
    const claim = this.repo.useStatement(passkey.id, info.newCounter, now);
    return {
      passkey,
      userVerified: info.userVerified,
      proof: {
        claim,
        spend: async (m) => {
          const raw: unknown = await m.query(claim.sql, claim.params);
          const rows = Array.isArray(raw) && raw.length === 2 && Array.isArray(raw[0]) ? (raw[0] as unknown[]) : (raw as unknown[]);
          if (rows.length === 0) {
            throw passkeyRefused();
          }
        },
      },
    };
  }

  private async cloneSuspected(user: User, passkey: MfaFactor, known: number, got: number): Promise<void> {
    this.logger.warn(`Passkey ${passkey.id} of user ${user.id}: signature counter ${got} did not move past ${known}`);
    await this.dataSource.transaction(async (m) => {
      await this.notifier.record(
        {
          action: MfaAuditAction.PasskeyCloneSuspected,
          actorKind: 'system',
          subjectUserId: user.id,
          metadata: { passkeyId: passkey.id, name: passkey.name, storedCounter: known, presentedCounter: got },
        },
        m,
      );
      await this.notifier.notify(
        user,
        'security.passkey_clone_suspected',
        { passkey: passkey.name, when: this.clock.now().toUTCString() },
        m,
      );
    });
  }

  // --- Challenges ---------------------------------------------------------------------------

  private async issue(
    purpose: WebauthnPurpose,
    userId: string | null,
    mfaChallengeId: string | null,
    challenge: string,
    options: Record<string, unknown>,
    m?: import('typeorm').EntityManager,
  ): Promise<PasskeyOptionsDto> {
    const now = this.clock.now();
    const expiresAt = new Date(now.getTime() + CHALLENGE_TTL_MS);
    const challengeId = await this.repo.createChallenge({ purpose, userId, mfaChallengeId, challenge, expiresAt }, now, m);
    return { challengeId, options, expiresAt: expiresAt.toISOString() };
  }

  private async take(id: string, purpose: WebauthnPurpose, userId: string): Promise<StoredWebauthnChallenge> {
    const stored = await this.repo.consumeChallenge(id, purpose);
    if (!stored || stored.userId !== userId || this.expired(stored)) {
      throw challengeInvalid();
    }
    return stored;
  }

  private expired(stored: StoredWebauthnChallenge): boolean {
    return stored.expiresAt.getTime() <= this.clock.nowMs();
  }

  private refusal(err: unknown, what: string): Error {
    if (err instanceof DomainException) {
      return err;
    }
    // The library's message says which check failed (origin, RP id, challenge, flags): useful to
    // the person setting it up, and it carries no secret.
    this.logger.debug(`Passkey ${what} refused: ${(err as Error).message}`);
    return passkeyRefused(`The passkey was not accepted: ${(err as Error).message}`);
  }
}

function notFound() {
  return mfaError('PASSKEY_NOT_FOUND', 'No such passkey.');
}

function splitTransports(value: string | null): Array<'ble' | 'cable' | 'hybrid' | 'internal' | 'nfc' | 'smart-card' | 'usb'> {
  return (value ?? '').split(',').filter(Boolean) as Array<'ble' | 'cable' | 'hybrid' | 'internal' | 'nfc' | 'smart-card' | 'usb'>;
}

function toDto(k: MfaFactor): PasskeyDto {
  return {
    id: k.id,
    name: k.name ?? 'Passkey',
    createdAt: k.createdAt.toISOString(),
    lastUsedAt: k.lastUsedAt ? k.lastUsedAt.toISOString() : null,
    transports: splitTransports(k.transports),
    backedUp: k.backedUp ?? false,
  };
}
