import { AuditService } from '@latchkey/audit';
import {
  LoginActivityService,
  LoginResult,
  LoginThrottle,
  LoginUseCase,
  PasswordCheck,
  ReauthService,
  SignInSteps,
  authError,
} from '@latchkey/auth';
import {
  APP_CONFIG,
  AppConfig,
  ClientInfo,
  Clock,
  IdentityProviderSettings,
  Links,
  MailCaps,
  UserPrincipal,
  constantTimeEqual,
  hashToken,
  randomToken,
  sessionIdOf,
} from '@latchkey/core';
import { MfaService } from '@latchkey/mfa';
import { NotificationsService } from '@latchkey/notifications';
import { SessionsService } from '@latchkey/sessions';
import { User, UserTokensService, UsersService } from '@latchkey/users';
import { Inject, Injectable } from '@nestjs/common';
import * as oidc from 'openid-client';
import { DataSource, EntityManager } from 'typeorm';

import { ConnectedAccountsAuditAction, FLOW_TTL_MS } from './connected-accounts.constants';
import { connectedAccountsError } from './connected-accounts.exception';
import { ConnectedAccountsRepository, FlowIntent, FlowRow, IdentityRow } from './connected-accounts.repository';
import { ConnectedAccountDto, ConnectedAccountListDto, ProviderDto } from './dto/connected-accounts.dto';
import { ProviderClients, ProviderFlowError, ProviderIdentity } from './provider-clients';

/** What POST /auth/providers/result answers before it becomes JSON: a sign-in, or one of the other outcomes. */
export type ProviderOutcome =
  | { kind: 'sign_in'; result: LoginResult; provider: string }
  | { kind: 'link_required'; provider: string; email: string }
  | { kind: 'linked' | 'reauthenticated'; provider: string };

const flowInvalid = () =>
  connectedAccountsError('PROVIDER_FLOW_INVALID', 'This sign-in has expired or was already used. Start again.', {
    errors: [{ field: 'flow', message: 'is missing, expired or already used' }],
  });

/**
 * Connected accounts: sign-in, sign-up and reauth through Google, Microsoft, GitHub or any OIDC
 * issuer, and linking them from My account.
 *
 * No takeover: an identity (provider + issuer + subject) signs in only the user it is linked to.
 * An unlinked identity whose verified email belongs to a user answers link_required, and links
 * only after that user's password (and second factor); an unverified provider email matches
 * nothing and creates nothing (refused, as Auth0 and Clerk do). A provider is a first factor:
 * the sign-in runs LoginUseCase.decide like a password, so 2FA, require-2FA accounts, support
 * resets, login activity and new-device mails all apply.
 *
 * A flow is bound to the browser that started it (an HttpOnly cookie whose hash is stored), found
 * at the callback by the hash of its state, and moves stage by stage with compare-and-swap
 * updates: a replayed callback or result finds nothing to move.
 */
@Injectable()
export class ConnectedAccountsService {
  constructor(
    private readonly repo: ConnectedAccountsRepository,
    private readonly clients: ProviderClients,
    private readonly users: UsersService,
    private readonly login: LoginUseCase,
    private readonly passwords: PasswordCheck,
    private readonly throttle: LoginThrottle,
    private readonly activity: LoginActivityService,
    private readonly reauth: ReauthService,
    private readonly steps: SignInSteps,
    private readonly sessions: SessionsService,
    private readonly mfa: MfaService,
    private readonly audit: AuditService,
    private readonly notifications: NotificationsService,
    private readonly dataSource: DataSource,
    private readonly tokens: UserTokensService,
    private readonly mailCaps: MailCaps,
    private readonly links: Links,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  list(): ProviderDto[] {
    return this.config.identityProviders.map((p) => ({ id: p.id, displayName: p.displayName }));
  }

  provider(id: string): IdentityProviderSettings {
    const found = this.config.identityProviders.find((p) => p.id === id);
    if (!found) {
      throw connectedAccountsError('PROVIDER_NOT_FOUND', 'There is no such sign-in provider here.', {
        errors: [{ field: 'provider', message: 'is not configured' }],
      });
    }
    return found;
  }

  async checkIp(client: ClientInfo, scope?: string): Promise<void> {
    try {
      await this.throttle.checkIp(client.ip, scope);
    } catch (err) {
      await this.activity.record(null, client, 'throttled', 'ip_rate_limited');
      throw err;
    }
  }

  // --- starting -----------------------------------------------------------------------------

  /** A new flow: answers the provider's URL and the browser secret for the flow cookie. */
  async start(
    provider: IdentityProviderSettings,
    intent: FlowIntent,
    user?: { userId: string; sessionId: string | null },
  ): Promise<{ authorizationUrl: string; browserSecret: string }> {
    const state = randomToken(32);
    const nonce = randomToken(32);
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const browserSecret = randomToken(32);
    let authorizationUrl: string;
    try {
      authorizationUrl = await this.clients.authorizationUrl(provider, { state, nonce, codeVerifier, reauth: intent === 'reauth' });
    } catch (err) {
      throw this.unavailable(err, provider);
    }
    const now = this.clock.now();
    await this.repo.insertFlow({
      stateHash: hashToken(state),
      browserHash: hashToken(browserSecret),
      provider: provider.id,
      intent,
      userId: user?.userId ?? null,
      sessionId: user?.sessionId ?? null,
      nonce,
      codeVerifier,
      now,
      expiresAt: new Date(now.getTime() + FLOW_TTL_MS),
    });
    return { authorizationUrl, browserSecret };
  }

  private unavailable(err: unknown, provider: IdentityProviderSettings): Error {
    return connectedAccountsError(
      'PROVIDER_UNAVAILABLE',
      err instanceof ProviderFlowError ? err.message : `${provider.displayName} cannot be reached right now. Try again in a moment.`,
      { retryAfterSeconds: 30 },
    );
  }

  /** Link (reauth first) or a provider reauth (for accounts without a password), from My account. */
  async startForUser(
    principal: UserPrincipal,
    provider: IdentityProviderSettings,
    body: { purpose?: 'link' | 'reauth'; password?: string; code?: string },
  ): Promise<{ authorizationUrl: string; browserSecret: string }> {
    const linked = (await this.repo.listForUser(principal.userId)).find((i) => i.provider === provider.id);
    if (body.purpose === 'reauth') {
      if (!linked) {
        throw connectedAccountsError('CONNECTED_ACCOUNT_NOT_FOUND', `${provider.displayName} is not connected to your account.`, {
          errors: [{ field: 'provider', message: 'is not connected' }],
        });
      }
      return this.start(provider, 'reauth', { userId: principal.userId, sessionId: sessionIdOf(principal) ?? null });
    }
    const proof = await this.reauth.assert(principal, { password: body.password, code: body.code });
    if (linked) {
      throw connectedAccountsError(
        'IDENTITY_ALREADY_LINKED',
        `${provider.displayName} is already connected: disconnect it first to connect another.`,
        {
          errors: [{ field: 'provider', message: 'is already connected' }],
        },
      );
    }
    await this.dataSource.transaction((m) => proof.spend(m));
    return this.start(provider, 'link', { userId: principal.userId, sessionId: sessionIdOf(principal) ?? null });
  }

  // --- the callback -------------------------------------------------------------------------

  /**
   * The provider sent the browser back. Every check (the browser cookie, expiry, single use, then
   * state, PKCE and the ID token in openid-client) runs here; the outcome waits in the flow for
   * the console's POST /auth/providers/result. Never throws: the browser always lands on the console page.
   */
  async callback(
    providerId: string,
    query: Record<string, string | undefined>,
    rawQuery: string,
    browserSecret: string | undefined,
  ): Promise<string> {
    const landing = `${this.config.http.publicUrl}/admin/#/provider-return`;
    const provider = this.config.identityProviders.find((p) => p.id === providerId);
    const state = query.state;
    const flow = provider && state && state.length <= 200 ? await this.repo.findFlowByState(hashToken(state)) : undefined;
    if (
      !provider ||
      !flow ||
      flow.provider !== provider.id ||
      !browserSecret ||
      !constantTimeEqual(flow.browser_hash, hashToken(browserSecret)) ||
      flow.expires_at.getTime() <= this.clock.nowMs() ||
      !(await this.repo.advance(flow.id, 'started', 'returned'))
    ) {
      return `${landing}?error=expired`;
    }
    try {
      const identity = await this.clients.complete(provider, rawQuery, {
        state: state!,
        nonce: flow.nonce,
        codeVerifier: flow.code_verifier,
        reauth: flow.intent === 'reauth',
      });
      await this.repo.advance(flow.id, 'returned', 'returned', { identity });
    } catch (err) {
      const message = err instanceof ProviderFlowError ? err.message : `${provider.displayName} did not confirm who you are. Try again.`;
      await this.repo.advance(flow.id, 'returned', 'returned', { error: message });
    }
    return landing;
  }

  // --- the outcome --------------------------------------------------------------------------

  async result(browserSecret: string | undefined, client: ClientInfo, deviceToken: string | undefined): Promise<ProviderOutcome> {
    await this.checkIp(client);
    const flow = browserSecret ? await this.repo.findFlowByBrowser(hashToken(browserSecret), this.clock.now()) : undefined;
    if (!flow || flow.stage !== 'returned' || (!flow.identity && !flow.error)) {
      throw flowInvalid();
    }
    const provider = this.provider(flow.provider);
    if (flow.error || !flow.identity) {
      await this.repo.advance(flow.id, 'returned', 'done');
      throw connectedAccountsError('PROVIDER_SIGN_IN_FAILED', flow.error ?? 'The provider did not answer.', {
        errors: [{ field: 'flow', message: flow.error ?? 'failed' }],
      });
    }
    const identity = flow.identity;
    if (flow.intent === 'link') {
      if (!(await this.repo.advance(flow.id, 'returned', 'done'))) {
        throw flowInvalid();
      }
      await this.link(flow.user_id!, provider, identity);
      return { kind: 'linked', provider: provider.id };
    }
    if (flow.intent === 'reauth') {
      if (!(await this.repo.advance(flow.id, 'returned', 'done'))) {
        throw flowInvalid();
      }
      const linked = await this.repo.findIdentity(provider.id, identity.issuer, identity.subject);
      if (!linked || linked.user_id !== flow.user_id || !flow.session_id) {
        throw connectedAccountsError('PROVIDER_SIGN_IN_FAILED', `This is not the ${provider.displayName} account connected to you.`, {
          errors: [{ field: 'flow', message: 'is another identity' }],
        });
      }
      await this.repo.touch(linked.id, identity, this.clock.now());
      await this.sessions.markReauthenticated(linked.user_id, flow.session_id);
      return { kind: 'reauthenticated', provider: provider.id };
    }
    return this.signIn(flow, provider, identity, client, deviceToken);
  }

  private async signIn(
    flow: FlowRow,
    provider: IdentityProviderSettings,
    identity: ProviderIdentity,
    client: ClientInfo,
    deviceToken: string | undefined,
  ): Promise<ProviderOutcome> {
    const linked = await this.repo.findIdentity(provider.id, identity.issuer, identity.subject);
    if (linked) {
      if (!(await this.repo.advance(flow.id, 'returned', 'done'))) {
        throw flowInvalid();
      }
      const user = await this.users.get(linked.user_id);
      // The same lockout as a password: a locked address is not signed in through a provider either.
      const ticket = await this.passwords.reserve(user.email, client, user);
      await this.throttle.succeeded(ticket);
      await this.repo.touch(linked.id, identity, this.clock.now());
      return {
        kind: 'sign_in',
        provider: provider.id,
        result: await this.login.decide(user, client, deviceToken, { method: provider.id, bothFactors: false }),
      };
    }
    if (!identity.email || !identity.emailVerified) {
      await this.repo.advance(flow.id, 'returned', 'done');
      await this.activity.record(null, client, 'failure', 'provider_email_unverified');
      throw connectedAccountsError(
        'PROVIDER_EMAIL_UNVERIFIED',
        `${provider.displayName} has not verified your email address, so it cannot sign you in or create an account. Verify the address with ${provider.displayName}, or sign in another way and connect ${provider.displayName} from My account.`,
        { errors: [{ field: 'email', message: 'is not verified by the provider' }] },
      );
    }
    const existing = await this.users.findByEmail(identity.email);
    if (existing) {
      if (!(await this.repo.advance(flow.id, 'returned', 'link_required', { userId: existing.id }))) {
        throw flowInvalid();
      }
      return { kind: 'link_required', provider: provider.id, email: identity.email };
    }
    if (!this.config.auth.registrationEnabled) {
      await this.repo.advance(flow.id, 'returned', 'done');
      throw this.registrationClosed(provider);
    }
    if (!(await this.repo.advance(flow.id, 'returned', 'done'))) {
      throw flowInvalid();
    }
    const user = await this.dataSource.transaction(async (m) => {
      const created = await this.users.registerFromProvider(
        { email: identity.email!, displayName: identity.name ?? identity.email!.split('@')[0], provider: provider.id },
        m,
      );
      if (created) {
        await this.insertLink(created, provider, identity, m, false);
      }
      return created;
    });
    if (!user) {
      // Taken between the lookup and the insert: the same answer as an existing address.
      return { kind: 'link_required', provider: provider.id, email: identity.email };
    }
    return {
      kind: 'sign_in',
      provider: provider.id,
      result: await this.login.decide(user, client, deviceToken, { method: provider.id, bothFactors: false }),
    };
  }

  private registrationClosed(provider: IdentityProviderSettings): Error {
    return connectedAccountsError(
      'REGISTRATION_CLOSED',
      `Sign-up is turned off, and no account here is connected to this ${provider.displayName} account. Ask an account owner for an invitation.`,
      { errors: [{ field: 'flow', message: 'has no account to sign in' }] },
    );
  }

  /**
   * link_required, answered: the existing account's password and, when it has 2FA, a code. Then
   * the identity is linked (the code spent in that transaction) and the sign-in decided with
   * both factors proven; the other steps (require-2FA accounts, support resets) still apply.
   */
  async linkExisting(
    browserSecret: string | undefined,
    body: { password: string; code?: string; deviceToken?: string },
    client: ClientInfo,
  ): Promise<ProviderOutcome> {
    const flow = browserSecret ? await this.repo.findFlowByBrowser(hashToken(browserSecret), this.clock.now()) : undefined;
    if (!flow || flow.stage !== 'link_required' || !flow.identity || !flow.user_id) {
      throw flowInvalid();
    }
    const provider = this.provider(flow.provider);
    const user = await this.users.get(flow.user_id);
    await this.passwords.check(user, body.password, 'password', client);
    const secondFactor = this.steps.secondFactor;
    const hasSecondFactor = await secondFactor.hasSecondFactor(user.id);
    let spend: ((m: EntityManager) => Promise<void>) | undefined;
    if (hasSecondFactor) {
      if (!body.code) {
        throw authError('MFA_CODE_REQUIRED', 'Also send a current code from your authenticator, an SMS code or a backup code.', {
          errors: [{ field: 'code', message: 'is required because two-factor authentication is on' }],
        });
      }
      const proof = await secondFactor.check(user.id, body.code);
      if (!proof) {
        throw authError('INVALID_MFA_CODE', 'That code is not right.', { errors: [{ field: 'code', message: 'is not right' }] });
      }
      spend = (m) => proof.spend(m);
    }
    const identity = flow.identity;
    await this.dataSource.transaction(async (m) => {
      if (!(await this.repo.advance(flow.id, 'link_required', 'done', {}, m))) {
        throw flowInvalid();
      }
      await spend?.(m);
      await this.insertLink(user, provider, identity, m, true);
    });
    const result = await this.login.decide(user, client, body.deviceToken, {
      method: 'password',
      bothFactors: hasSecondFactor,
    });
    return { kind: 'sign_in', provider: provider.id, result };
  }

  /**
   * link_required, answered by an emailed link instead of the password (for users without one:
   * signed up through another provider, or passkey only). The mail goes to the matched user's
   * address, never to one the caller names; the answer is the same whether a mail went or not.
   * The flow (and the browser's cookie) lives on for FLOW_TTL_MS from now, as long as the link.
   * Answers how many seconds the flow (and so its cookie) has left.
   */
  async emailLink(browserSecret: string | undefined, client: ClientInfo): Promise<number> {
    await this.checkIp(client);
    const flow = browserSecret ? await this.repo.findFlowByBrowser(hashToken(browserSecret), this.clock.now()) : undefined;
    if (!flow || flow.stage !== 'link_required' || !flow.identity || !flow.user_id) {
      throw flowInvalid();
    }
    const provider = this.provider(flow.provider);
    const user = await this.users.get(flow.user_id);
    await this.mailCaps.check('provider_link', user.email, client.ip);
    const expiresAt = new Date(this.clock.nowMs() + FLOW_TTL_MS);
    const secondsLeft = (until: Date) => Math.max(1, Math.ceil((until.getTime() - this.clock.nowMs()) / 1000));
    if (!this.sameVerifiedEmail(flow.identity, user) || !(await this.repo.extendFlow(flow.id, 'link_required', expiresAt))) {
      return secondsLeft(new Date(flow.expires_at));
    }
    await this.dataSource.transaction(async (m) => {
      const token = await this.tokens.issue(user.id, 'provider_link', FLOW_TTL_MS, { flowId: flow.id }, m);
      await this.notifications.notify(
        {
          event: 'auth.provider_link',
          to: { userId: user.id, email: user.email, name: user.displayName, locale: user.language },
          data: { provider: provider.displayName, providerEmail: flow.identity!.email!, link: this.links.build('link_provider', token) },
        },
        m,
      );
    });
    return secondsLeft(expiresAt);
  }

  /**
   * The emailed link, opened: only in the browser of the flow (its cookie), while the flow still
   * waits at link_required and the provider's email is still verified and still the user's.
   * The token is checked before it is spent, so opening it in another browser does not burn it.
   * Then as the password answer: linked (audited, mailed) and the sign-in decided with the
   * provider as the first factor (2FA users get the challenge).
   */
  async confirmEmailLink(
    browserSecret: string | undefined,
    token: string,
    client: ClientInfo,
    deviceToken: string | undefined,
  ): Promise<ProviderOutcome> {
    await this.checkIp(client);
    const flow = browserSecret ? await this.repo.findFlowByBrowser(hashToken(browserSecret), this.clock.now()) : undefined;
    if (!flow || flow.stage !== 'link_required' || !flow.identity || !flow.user_id) {
      throw flowInvalid();
    }
    const linkInvalid = () =>
      connectedAccountsError(
        'PROVIDER_LINK_INVALID',
        'This link has expired, was already used, or belongs to another sign-in. Start again.',
        {
          errors: [{ field: 'token', message: 'is expired, used or not for this sign-in' }],
        },
      );
    const pending = await this.tokens.find('provider_link', token);
    if (!pending || pending.userId !== flow.user_id || pending.data.flowId !== flow.id) {
      throw linkInvalid();
    }
    const provider = this.provider(flow.provider);
    const user = await this.users.get(flow.user_id);
    const identity = flow.identity;
    if (!this.sameVerifiedEmail(identity, user)) {
      throw connectedAccountsError(
        'PROVIDER_EMAIL_UNVERIFIED',
        `${provider.displayName} no longer vouches for the address of this account, so it cannot be connected this way.`,
        { errors: [{ field: 'email', message: 'is not verified by the provider' }] },
      );
    }
    // The same lockout as a password: a locked address is not signed in this way either.
    const ticket = await this.passwords.reserve(user.email, client, user);
    await this.throttle.succeeded(ticket);
    await this.dataSource.transaction(async (m) => {
      if (!(await this.tokens.consume('provider_link', token, m))) {
        throw linkInvalid();
      }
      if (!(await this.repo.advance(flow.id, 'link_required', 'done', {}, m))) {
        throw flowInvalid();
      }
      await this.insertLink(user, provider, identity, m, true);
    });
    const result = await this.login.decide(user, client, deviceToken, { method: provider.id, bothFactors: false });
    return { kind: 'sign_in', provider: provider.id, result };
  }

  private sameVerifiedEmail(identity: ProviderIdentity, user: User): boolean {
    return !!identity.email && identity.emailVerified && identity.email.trim().toLowerCase() === user.email.trim().toLowerCase();
  }

  // --- linking and unlinking ------------------------------------------------------------------

  private async link(userId: string, provider: IdentityProviderSettings, identity: ProviderIdentity): Promise<void> {
    const user = await this.users.get(userId);
    await this.dataSource.transaction((m) => this.insertLink(user, provider, identity, m, true));
  }

  private async insertLink(
    user: User,
    provider: IdentityProviderSettings,
    identity: ProviderIdentity,
    m: EntityManager,
    notify: boolean,
  ): Promise<IdentityRow> {
    const now = this.clock.now();
    const row = await this.repo.insertIdentity(user.id, provider.id, identity, now, m);
    if (!row) {
      const other = await this.repo.findIdentity(provider.id, identity.issuer, identity.subject, m);
      throw connectedAccountsError(
        'IDENTITY_ALREADY_LINKED',
        other && other.user_id !== user.id
          ? `This ${provider.displayName} account is already connected to another user.`
          : `${provider.displayName} is already connected to your account.`,
        { errors: [{ field: 'provider', message: 'is already connected' }] },
      );
    }
    await this.audit.record(
      {
        action: ConnectedAccountsAuditAction.Linked,
        actorUserId: user.id,
        subjectUserId: user.id,
        metadata: { identityId: row.id, provider: provider.id, providerName: provider.displayName, email: identity.email },
      },
      m,
    );
    if (notify) {
      await this.notifications.notify(
        {
          event: 'security.connected_account_linked',
          to: { userId: user.id, email: user.email, name: user.displayName, locale: user.language },
          data: { provider: provider.displayName, providerEmail: identity.email ?? 'no email given', when: now.toUTCString() },
        },
        m,
      );
    }
    return row;
  }

  async listMine(userId: string): Promise<ConnectedAccountListDto> {
    const [rows, user] = await Promise.all([this.repo.listForUser(userId), this.users.get(userId)]);
    const name = (id: string) => this.config.identityProviders.find((p) => p.id === id)?.displayName ?? id;
    const items: ConnectedAccountDto[] = rows.map((r) => ({
      id: r.id,
      provider: r.provider,
      providerName: name(r.provider),
      email: r.email,
      linkedAt: new Date(r.linked_at).toISOString(),
      lastUsedAt: r.last_used_at ? new Date(r.last_used_at).toISOString() : null,
    }));
    return { items, available: this.list().filter((p) => !rows.some((r) => r.provider === p.id)), hasPassword: !!user.passwordHash };
  }

  async unlink(principal: UserPrincipal, id: string, body: { password?: string; code?: string }): Promise<void> {
    const rows = await this.repo.listForUser(principal.userId);
    const target = rows.find((r) => r.id === id);
    if (!target) {
      throw connectedAccountsError('CONNECTED_ACCOUNT_NOT_FOUND', 'No such connected account of yours.');
    }
    const proof = await this.reauth.assert(principal, body);
    const user = await this.users.get(principal.userId);
    const passkeys = (await this.mfa.status(user.id)).passkeys;
    if (!user.passwordHash && rows.length <= 1 && passkeys === 0) {
      throw connectedAccountsError(
        'LAST_SIGN_IN_METHOD',
        'This is the only way you can sign in. First set a password ("Forgot password?" on the sign-in page emails you a link), add a passkey, or connect another account.',
        { errors: [{ field: 'id', message: 'is your last way to sign in' }] },
      );
    }
    const providerName = this.config.identityProviders.find((p) => p.id === target.provider)?.displayName ?? target.provider;
    await this.dataSource.transaction(async (m) => {
      const gone = await this.repo.deleteIdentity(user.id, id, m);
      if (!gone) {
        throw connectedAccountsError('CONNECTED_ACCOUNT_NOT_FOUND', 'No such connected account of yours.');
      }
      await proof.spend(m);
      await this.audit.record(
        {
          action: ConnectedAccountsAuditAction.Unlinked,
          actorUserId: user.id,
          subjectUserId: user.id,
          metadata: { identityId: id, provider: target.provider, providerName, email: target.email },
        },
        m,
      );
      await this.notifications.notify(
        {
          event: 'security.connected_account_unlinked',
          to: { userId: user.id, email: user.email, name: user.displayName, locale: user.language },
          data: { provider: providerName, providerEmail: target.email ?? 'no email given', when: this.clock.now().toUTCString() },
        },
        m,
      );
    });
  }
}
