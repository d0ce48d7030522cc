import { AuditAction, AuditService } from '@latchkey/audit';
import { LoginActivityService, LoginResult, LoginThrottle, LoginUseCase, PasswordCheck } from '@latchkey/auth';
import { ClientInfo } from '@latchkey/core';
import { UsersService } from '@latchkey/users';
import { Injectable } from '@nestjs/common';

import { PasskeyOptionsDto } from '../dto/passkeys.dto';
import { mfaError } from '../mfa.exception';
import { PasskeysService } from './passkeys.service';

const signInFailed = () =>
  mfaError('PASSKEY_SIGN_IN_FAILED', 'This passkey could not sign you in. Try again, or sign in with your password.', {
    errors: [{ field: 'credential', message: 'was not accepted' }],
  });

/**
 * Sign-in with a passkey alone: a discoverable credential whose authenticator verified the user
 * (PIN or biometrics) proves both factors. It then runs the same decision as a password sign-in
 * (LoginUseCase.decide): unverified email, accounts requiring 2FA, a pending support reset; and
 * the same throttles: the IP limit before anything else and, once the key names its user, that
 * address's lockout (a refused assertion counts as a failed sign-in). Every outcome lands in
 * login activity.
 */
@Injectable()
export class PasskeySignInUseCase {
  constructor(
    private readonly passkeys: PasskeysService,
    private readonly users: UsersService,
    private readonly login: LoginUseCase,
    private readonly throttle: LoginThrottle,
    private readonly passwords: PasswordCheck,
    private readonly activity: LoginActivityService,
    private readonly audit: AuditService,
  ) {}

  /**
   * The sign-in page asks for these on every visit (for browser autofill): they count on an IP
   * budget of their own, so page loads behind a shared address do not spend the sign-in budget.
   */
  async options(client: ClientInfo): Promise<PasskeyOptionsDto> {
    await this.checkIp(client, 'passkey_options');
    return this.passkeys.passwordlessOptions();
  }

  /** Options for the second step: each request stores a challenge, so it counts on the IP limit too. */
  async secondFactorOptions(mfaChallengeId: string, client: ClientInfo): Promise<PasskeyOptionsDto> {
    await this.checkIp(client, 'passkey_options');
    return this.passkeys.secondFactorOptions(mfaChallengeId);
  }

  async execute(input: {
    challengeId: string;
    credential: Record<string, unknown>;
    deviceToken?: string;
    client: ClientInfo;
  }): Promise<LoginResult> {
    const { client } = input;
    const stored = await this.passkeys.takePasswordless(input.challengeId);
    const passkey = stored ? await this.passkeys.findCredential(input.credential) : null;
    const user = passkey ? await this.users.get(passkey.userId).catch(() => null) : null;
    if (!stored || !passkey || !user || !this.handleMatches(input.credential, user.id)) {
      await this.checkIp(client);
      await this.activity.record(user?.id ?? null, client, 'failure', 'passkey_refused');
      throw signInFailed();
    }
    // The IP limit and this address's lockout, as for a password.
    const ticket = await this.passwords.reserve(user.email, client, user);
    let assertion;
    try {
      assertion = await this.passkeys.verifyAssertion(user, passkey, stored, input.credential, true);
    } catch (err) {
      await this.throttle.release(ticket);
      throw err;
    }
    if (!assertion) {
      await this.passwords.failed(user, ticket, client, 'passkey_refused');
      throw signInFailed();
    }
    await this.throttle.succeeded(ticket);
    const claim = assertion.proof.claim!;
    return this.login.decide(user, client, input.deviceToken, {
      method: 'passkey',
      bothFactors: true,
      require: {
        statements: [claim],
        refused: async () => {
          await this.audit.record({ action: AuditAction.LoginFailed, subjectUserId: user.id, metadata: { reason: 'passkey_replayed' } });
          return signInFailed();
        },
      },
    });
  }

  private async checkIp(client: ClientInfo, scope?: string): Promise<void> {
    try {
      await this.throttle.checkIp(client.ip, scope);
    } catch (err) {
      await this.activity.record(null, client, 'throttled', 'ip_rate_limited');
      throw err;
    }
  }

  /** The user handle, when the authenticator sends one, must be the user the credential belongs to. */
  private handleMatches(credential: Record<string, unknown>, userId: string): boolean {
    const response = credential.response as Record<string, unknown> | undefined;
    const handle = response && typeof response === 'object' ? response.userHandle : undefined;
    if (handle === undefined || handle === null || handle === '') {
      return true;
    }
    return typeof handle === 'string' && Buffer.from(handle, 'base64url').toString('utf8') === userId;
  }
}
