import { DEVICE_COOKIE, LoginResponseDto, SessionCookies, SignInAnswer } from '@latchkey/auth';
import { AllowRestricted, ApiProblem, CurrentUser, UserPrincipal, Public, UuidPipe, describeClient } from '@latchkey/core';
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Req, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { ChallengeRefDto, MfaStatusMessageDto, ReauthProofDto } from '../dto/mfa.dto';
import {
  PasskeyDto,
  PasskeyLoginDto,
  PasskeyNameDto,
  PasskeyOptionsDto,
  PasskeyOptionsRequestDto,
  PasskeyRegisteredDto,
  RegisterPasskeyDto,
} from '../dto/passkeys.dto';
import { PasskeySignInUseCase } from './passkey-sign-in.use-case';
import { PasskeysService } from './passkeys.service';

@ApiTags('mfa')
@Controller()
export class PasskeysController {
  constructor(private readonly passkeys: PasskeysService) {}

  @Get('me/mfa/passkeys')
  @AllowRestricted()
  @ApiOperation({ summary: 'Your passkeys: name, created, last used' })
  @ApiOkResponse({ type: [PasskeyDto] })
  list(@CurrentUser() p: UserPrincipal): Promise<PasskeyDto[]> {
    return this.passkeys.list(p.userId);
  }

  @Post('me/mfa/passkeys/options')
  @HttpCode(200)
  @AllowRestricted()
  @ApiOperation({
    summary:
      'Start adding a passkey: creation options for navigator.credentials.create(), single use for 5 minutes (reauth when a second factor exists)',
  })
  @ApiOkResponse({ type: PasskeyOptionsDto })
  @ApiProblem(403, 'Proof required: send the password (and a code when 2FA is on)')
  @ApiProblem(409, 'The account already holds the most passkeys it can')
  @ApiProblem(429, 'Too many wrong 2FA codes (MFA_LOCKED) or wrong passwords (ACCOUNT_LOCKED, the sign-in lockout)')
  options(@CurrentUser() p: UserPrincipal, @Body() body: PasskeyOptionsRequestDto): Promise<PasskeyOptionsDto> {
    return this.passkeys.registrationOptions(p, body ?? {});
  }

  @Post('me/mfa/passkeys')
  @HttpCode(201)
  @AllowRestricted()
  @ApiOperation({ summary: 'Finish adding a passkey with what the browser created; the first factor returns backup codes once' })
  @ApiCreatedResponse({ type: PasskeyRegisteredDto })
  @ApiProblem(400, 'The challenge is expired, used or unknown, or the credential was refused (origin, RP id, challenge, format)')
  @ApiProblem(409, 'This passkey is already registered, or the account holds the most passkeys it can')
  register(@CurrentUser() p: UserPrincipal, @Body() body: RegisterPasskeyDto): Promise<PasskeyRegisteredDto> {
    return this.passkeys.register(p, body);
  }

  @Patch('me/mfa/passkeys/:id')
  @ApiOperation({ summary: 'Rename a passkey' })
  @ApiOkResponse({ type: PasskeyDto })
  @ApiProblem(404, 'No such passkey')
  rename(@CurrentUser() p: UserPrincipal, @Param('id', new UuidPipe('id')) id: string, @Body() body: PasskeyNameDto): Promise<PasskeyDto> {
    return this.passkeys.rename(p, id, body.name);
  }

  @Delete('me/mfa/passkeys/:id')
  @ApiOperation({
    summary: 'Remove a passkey (reauth: signed in within 5 minutes, or the password and a code); trusted devices are revoked',
  })
  @ApiOkResponse({ type: MfaStatusMessageDto })
  @ApiProblem(403, 'Proof required: send the password (and a code when 2FA is on)')
  @ApiProblem(404, 'No such passkey')
  @ApiProblem(429, 'Too many wrong 2FA codes (MFA_LOCKED) or wrong passwords (ACCOUNT_LOCKED, the sign-in lockout)')
  async remove(
    @CurrentUser() p: UserPrincipal,
    @Param('id', new UuidPipe('id')) id: string,
    @Body() body: ReauthProofDto,
  ): Promise<MfaStatusMessageDto> {
    await this.passkeys.remove(p, id, body ?? {});
    return { status: 'removed' };
  }
}

@ApiTags('auth')
@Controller()
export class PasskeySignInController {
  constructor(
    private readonly signIn: PasskeySignInUseCase,
    private readonly cookies: SessionCookies,
    private readonly answer: SignInAnswer,
  ) {}

  @Public()
  @Post('auth/login/mfa/passkey/options')
  @HttpCode(200)
  @ApiOperation({ summary: 'Request options for navigator.credentials.get() to answer a sign-in challenge with a passkey' })
  @ApiOkResponse({ type: PasskeyOptionsDto })
  @ApiProblem(400, 'There is no passkey on this account')
  @ApiProblem(401, 'The challenge is unknown, expired or used up: sign in again')
  @ApiProblem(429, 'Too many sign-in attempts from this network')
  secondFactorOptions(@Body() body: ChallengeRefDto, @Req() req: FastifyRequest): Promise<PasskeyOptionsDto> {
    return this.signIn.secondFactorOptions(body.challengeId, describeClient(req.ip, req.headers['user-agent']));
  }

  @Public()
  @Post('auth/passkey/options')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Start a sign-in with a passkey alone: request options for any discoverable credential, user verification required',
  })
  @ApiOkResponse({ type: PasskeyOptionsDto })
  @ApiProblem(429, 'Too many sign-in attempts from this network')
  options(@Req() req: FastifyRequest): Promise<PasskeyOptionsDto> {
    return this.signIn.options(describeClient(req.ip, req.headers['user-agent']));
  }

  @Public()
  @Post('auth/passkey/login')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Sign in with a passkey alone (both factors): authenticated, or mfa_setup_required when a support reset is pending; the same throttles and rules as a password sign-in',
  })
  @ApiOkResponse({ type: LoginResponseDto })
  @ApiProblem(401, 'The passkey, its challenge or its user verification was refused')
  @ApiProblem(403, 'REQUIRE_VERIFIED_EMAIL is on and this address was never confirmed')
  @ApiProblem(429, 'Too many attempts from this IP, or this account is locked for a while')
  async login(
    @Body() body: PasskeyLoginDto,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<LoginResponseDto> {
    const deviceToken = body.deviceToken ?? (req.cookies as Record<string, string | undefined>)[this.cookies.name(DEVICE_COOKIE)];
    const result = await this.signIn.execute({
      challengeId: body.challengeId,
      credential: body.credential,
      deviceToken,
      client: describeClient(req.ip, req.headers['user-agent']),
    });
    return this.answer.respond(result, reply);
  }
}
