import { DEVICE_COOKIE, SessionCookies, SignInAnswer } from '@latchkey/auth';
import {
  APP_CONFIG,
  ApiProblem,
  AppConfig,
  CurrentUser,
  UserPrincipal,
  Public,
  SessionOnly,
  UuidPipe,
  describeClient,
} from '@latchkey/core';
import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { FLOW_COOKIE, FLOW_START_SCOPE, FLOW_TTL_MS } from './connected-accounts.constants';
import { ConnectedAccountsService, ProviderOutcome } from './connected-accounts.service';
import {
  AuthorizationUrlDto,
  ConfirmEmailLinkDto,
  ConnectedAccountListDto,
  LinkByEmailSentDto,
  LinkExistingDto,
  ProviderListDto,
  ProviderResultDto,
  StartLinkDto,
  StartProviderSignInDto,
  UnlinkDto,
} from './dto/connected-accounts.dto';

/** The flow cookie: HttpOnly, Lax (sent on the provider's top-level redirect back), as long as a flow lives. */
@ApiTags('connected accounts')
@SessionOnly()
@Controller()
export class ProviderSignInController {
  constructor(
    private readonly service: ConnectedAccountsService,
    private readonly cookies: SessionCookies,
    private readonly answer: SignInAnswer,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Public()
  @Get('auth/providers')
  @ApiOperation({ summary: 'The sign-in providers configured here (a provider without settings is not listed)' })
  @ApiOkResponse({ type: ProviderListDto })
  @ApiProblem(429, 'Too many requests from this network')
  async providers(@Req() req: FastifyRequest): Promise<ProviderListDto> {
    await this.service.checkIp(describeClient(req.ip, req.headers['user-agent']), FLOW_START_SCOPE);
    return { items: this.service.list() };
  }

  @Public()
  @Post('auth/providers/:provider/start')
  @HttpCode(200)
  @ApiOperation({
    summary:
      "Start signing in (or up) with a provider: answers the provider's URL and sets the HttpOnly flow cookie that binds the round trip to this browser (10 minutes, single use)",
  })
  @ApiOkResponse({ type: AuthorizationUrlDto })
  @ApiProblem(404, 'PROVIDER_NOT_FOUND: no such provider is configured')
  @ApiProblem(429, 'Too many requests from this network')
  @ApiProblem(503, "PROVIDER_UNAVAILABLE: the provider's discovery document cannot be fetched")
  async start(
    @Param('provider') providerId: string,
    @Body() _body: StartProviderSignInDto,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AuthorizationUrlDto> {
    await this.service.checkIp(describeClient(req.ip, req.headers['user-agent']), FLOW_START_SCOPE);
    const started = await this.service.start(this.service.provider(providerId), 'sign_in');
    setFlowCookie(this.cookies, this.config, reply, started.browserSecret);
    return { authorizationUrl: started.authorizationUrl };
  }

  @Public()
  @Get('auth/providers/:provider/callback')
  @ApiOperation({
    summary:
      "The redirect URI registered with the provider. Checks the flow cookie, state, PKCE and the ID token, then sends the browser to the console's /admin/#/provider-return, which asks POST /auth/providers/result for the outcome",
  })
  @ApiResponse({
    status: 302,
    description:
      'To the console page /admin/#/provider-return (with ?error=expired when the flow is unknown, expired, already used or from another browser)',
  })
  async callback(@Param('provider') providerId: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    let location: string;
    try {
      await this.service.checkIp(describeClient(req.ip, req.headers['user-agent']), FLOW_START_SCOPE);
      const raw = req.url.includes('?') ? req.url.slice(req.url.indexOf('?') + 1) : '';
      location = await this.service.callback(
        providerId,
        req.query as Record<string, string | undefined>,
        raw,
        readFlowCookie(this.cookies, req),
      );
    } catch {
      location = `${this.config.http.publicUrl}/admin/#/provider-return?error=unavailable`;
    }
    // The code is in this URL: no referrer, no cache.
    void reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').redirect(location, 302);
  }

  @Public()
  @Post('auth/providers/result')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'The outcome of the provider round trip of this browser (flow cookie): as /auth/login (authenticated, mfa_required, mfa_setup_required), link_required, or linked / reauthenticated for the My account flows. Single use',
  })
  @ApiOkResponse({ type: ProviderResultDto })
  @ApiProblem(
    400,
    'PROVIDER_FLOW_INVALID: no flow for this browser, expired or used; PROVIDER_SIGN_IN_FAILED: the provider refused or was cancelled (the message says which)',
  )
  @ApiProblem(403, 'PROVIDER_EMAIL_UNVERIFIED: the provider did not verify the address; REGISTRATION_CLOSED; EMAIL_NOT_VERIFIED')
  @ApiProblem(404, 'PROVIDER_NOT_FOUND: the provider of this flow is no longer configured')
  @ApiProblem(409, 'IDENTITY_ALREADY_LINKED: this provider account is connected to another user')
  @ApiProblem(429, 'Too many sign-in attempts from this network, or the account is locked for a while')
  async result(@Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<ProviderResultDto> {
    const client = describeClient(req.ip, req.headers['user-agent']);
    const deviceToken = (req.cookies as Record<string, string | undefined>)[this.cookies.name(DEVICE_COOKIE)];
    const outcome = await this.service.result(readFlowCookie(this.cookies, req), client, deviceToken);
    return this.respond(outcome, reply);
  }

  @Public()
  @Post('auth/providers/link-existing')
  @HttpCode(200)
  @ApiOperation({
    summary:
      "After link_required: the existing account's password (and a code when it has 2FA) links the provider account and signs in. Wrong passwords count towards the sign-in lockout",
  })
  @ApiOkResponse({ type: ProviderResultDto })
  @ApiProblem(400, 'PROVIDER_FLOW_INVALID; WRONG_PASSWORD (field password); MFA_CODE_REQUIRED or INVALID_MFA_CODE (field code)')
  @ApiProblem(404, 'PROVIDER_NOT_FOUND: the provider of this flow is no longer configured')
  @ApiProblem(409, 'IDENTITY_ALREADY_LINKED: connected meanwhile')
  @ApiProblem(403, 'EMAIL_NOT_VERIFIED: REQUIRE_VERIFIED_EMAIL is on and this address was never confirmed')
  @ApiProblem(429, 'Too many wrong passwords (ACCOUNT_LOCKED) or codes (MFA_LOCKED), or the network limit')
  async linkExisting(
    @Body() body: LinkExistingDto,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ProviderResultDto> {
    const client = describeClient(req.ip, req.headers['user-agent']);
    const deviceToken = body.deviceToken ?? (req.cookies as Record<string, string | undefined>)[this.cookies.name(DEVICE_COOKIE)];
    const outcome = await this.service.linkExisting(readFlowCookie(this.cookies, req), { ...body, deviceToken }, client);
    return this.respond(outcome, reply);
  }

  @Public()
  @Post('auth/providers/link-by-email')
  @HttpCode(202)
  @ApiOperation({
    summary:
      'After link_required, instead of the password: emails the existing account (its own address, never one the caller names) a single-use link that connects the provider and signs in. The link works only in this browser (the flow cookie) and for 10 minutes, which the flow is extended to. The same answer whether or not a mail went',
  })
  @ApiResponse({
    status: 202,
    type: LinkByEmailSentDto,
    description: 'Accepted: a mail is on its way when the account can be linked this way',
  })
  @ApiProblem(400, 'PROVIDER_FLOW_INVALID: no flow waiting at link_required in this browser, or it expired')
  @ApiProblem(404, 'PROVIDER_NOT_FOUND: the provider of this flow is no longer configured')
  @ApiProblem(429, 'Too many mails for this network or this address, or too many requests')
  async linkByEmail(@Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<LinkByEmailSentDto> {
    const client = describeClient(req.ip, req.headers['user-agent']);
    const secret = readFlowCookie(this.cookies, req);
    const secondsLeft = await this.service.emailLink(secret, client);
    setFlowCookie(this.cookies, this.config, reply, secret!, secondsLeft);
    return {
      status: 'sent',
      detail: 'If the account can be connected this way, we emailed it a link. Open it in this browser within 10 minutes.',
    };
  }

  @Public()
  @Post('auth/providers/link-by-email/confirm')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'The emailed link, opened in the browser of the flow (flow cookie): connects the provider account to the existing account (audited, emailed) and signs in as /auth/login (the second factor is asked when it has 2FA). Single use',
  })
  @ApiOkResponse({ type: ProviderResultDto })
  @ApiProblem(
    400,
    'PROVIDER_FLOW_INVALID: no flow waiting at link_required in this browser (another browser, expired or used); PROVIDER_LINK_INVALID (field token): expired, used or for another sign-in',
  )
  @ApiProblem(403, "PROVIDER_EMAIL_UNVERIFIED: the provider's address is not verified or no longer the account's; EMAIL_NOT_VERIFIED")
  @ApiProblem(404, 'PROVIDER_NOT_FOUND: the provider of this flow is no longer configured')
  @ApiProblem(409, 'IDENTITY_ALREADY_LINKED: connected meanwhile')
  @ApiProblem(429, 'Too many requests from this network, or the account is locked for a while')
  async confirmLinkByEmail(
    @Body() body: ConfirmEmailLinkDto,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ProviderResultDto> {
    const client = describeClient(req.ip, req.headers['user-agent']);
    const deviceToken = body.deviceToken ?? (req.cookies as Record<string, string | undefined>)[this.cookies.name(DEVICE_COOKIE)];
    const outcome = await this.service.confirmEmailLink(readFlowCookie(this.cookies, req), body.token, client, deviceToken);
    return this.respond(outcome, reply);
  }

  private respond(outcome: ProviderOutcome, reply: FastifyReply): ProviderResultDto {
    if (outcome.kind === 'link_required') {
      return { status: 'link_required', provider: outcome.provider, email: outcome.email };
    }
    void reply.clearCookie(this.cookies.name(FLOW_COOKIE), { path: '/', sameSite: 'lax', secure: this.config.http.secureCookies });
    if (outcome.kind !== 'sign_in') {
      return { status: outcome.kind, provider: outcome.provider };
    }
    return { ...this.answer.respond(outcome.result, reply), provider: outcome.provider };
  }
}

@ApiTags('connected accounts')
@SessionOnly()
@Controller('me/connected-accounts')
export class MyConnectedAccountsController {
  constructor(
    private readonly service: ConnectedAccountsService,
    private readonly cookies: SessionCookies,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Your connected accounts (provider, its email, linked at, last used) and the providers you could connect' })
  @ApiOkResponse({ type: ConnectedAccountListDto })
  list(@CurrentUser() p: UserPrincipal): Promise<ConnectedAccountListDto> {
    return this.service.listMine(p.userId);
  }

  @Post(':provider/start')
  @HttpCode(200)
  @ApiOperation({
    summary:
      "Connect a provider (reauth: a sign-in within 5 minutes, or the password and a code), or sign in at a connected one again to confirm it is you (purpose reauth). Answers the provider's URL and sets the flow cookie; the console then asks POST /auth/providers/result",
  })
  @ApiOkResponse({ type: AuthorizationUrlDto })
  @ApiProblem(403, 'REAUTH_REQUIRED: send the password (and a code when 2FA is on)')
  @ApiProblem(404, 'PROVIDER_NOT_FOUND, or (purpose reauth) CONNECTED_ACCOUNT_NOT_FOUND: that provider is not connected')
  @ApiProblem(409, 'IDENTITY_ALREADY_LINKED: this provider is already connected')
  @ApiProblem(429, 'Too many wrong passwords or codes, or the network limit')
  @ApiProblem(503, "PROVIDER_UNAVAILABLE: the provider's discovery document cannot be fetched")
  async start(
    @CurrentUser() p: UserPrincipal,
    @Param('provider') providerId: string,
    @Body() body: StartLinkDto,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AuthorizationUrlDto> {
    await this.service.checkIp(describeClient(req.ip, req.headers['user-agent']), FLOW_START_SCOPE);
    const started = await this.service.startForUser(p, this.service.provider(providerId), body ?? {});
    setFlowCookie(this.cookies, this.config, reply, started.browserSecret);
    return { authorizationUrl: started.authorizationUrl };
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary:
      'Disconnect a provider (reauth: a sign-in within 5 minutes, or the password and a code; a code alone without a password). Refused when it is your last way to sign in. You are emailed',
  })
  @ApiNoContentResponse({ description: 'Disconnected' })
  @ApiProblem(403, 'REAUTH_REQUIRED: send the password (and a code when 2FA is on)')
  @ApiProblem(404, 'No such connected account of yours')
  @ApiProblem(409, 'LAST_SIGN_IN_METHOD: no password, passkey or other connected account: add one first')
  @ApiProblem(429, 'Too many wrong passwords or codes')
  async unlink(@CurrentUser() p: UserPrincipal, @Param('id', new UuidPipe('id')) id: string, @Body() body: UnlinkDto): Promise<void> {
    await this.service.unlink(p, id, body ?? {});
  }
}

function setFlowCookie(
  cookies: SessionCookies,
  config: AppConfig,
  reply: FastifyReply,
  secret: string,
  maxAgeSeconds = FLOW_TTL_MS / 1000,
): void {
  void reply.setCookie(cookies.name(FLOW_COOKIE), secret, {
    path: '/',
    sameSite: 'lax',
    secure: config.http.secureCookies,
    httpOnly: true,
    maxAge: maxAgeSeconds,
  });
}

function readFlowCookie(cookies: SessionCookies, req: FastifyRequest): string | undefined {
  const value = (req.cookies as Record<string, string | undefined>)[cookies.name(FLOW_COOKIE)];
  return value && value.length <= 100 ? value : undefined;
}
