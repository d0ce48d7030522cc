import { LoginResponseDto, SignInAnswer } from '@latchkey/auth';
import { ApiProblem, Public, describeClient } from '@latchkey/core';
import { Body, Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { CompleteMfaSignInUseCase } from './complete-mfa-sign-in.use-case';
import { ChallengeRefDto, LoginMfaDto, ResetTokenDto, SmsSentDto } from './dto/mfa.dto';
import { SmsSignInCodes } from './sms/sms-sign-in-codes.service';

@ApiTags('auth')
@Controller()
export class MfaSignInController {
  constructor(
    private readonly complete: CompleteMfaSignInUseCase,
    private readonly answer: SignInAnswer,
    private readonly smsCodes: SmsSignInCodes,
  ) {}

  @Public()
  @Post('auth/login/mfa')
  @HttpCode(200)
  @ApiOperation({ summary: 'Finish a sign-in with a TOTP, SMS or backup code; trustDevice skips this step for 30 days' })
  @ApiOkResponse({ type: LoginResponseDto })
  @ApiProblem(401, 'The challenge is unknown, expired or used up: sign in again')
  @ApiProblem(429, 'Too many wrong codes: two-factor attempts on this user are paused')
  async finish(
    @Body() body: LoginMfaDto,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<LoginResponseDto> {
    const result = await this.complete.execute({ ...body, client: describeClient(req.ip, req.headers['user-agent']) });
    return this.answer.respond(result, reply);
  }

  @Public()
  @Post('auth/login/mfa/sms')
  @HttpCode(200)
  @ApiOperation({ summary: 'Text the sign-in code for a challenge to the phone on file' })
  @ApiOkResponse({ type: SmsSentDto })
  @ApiProblem(401, 'The challenge is unknown, expired or used up: sign in again')
  @ApiProblem(429, 'A code was just sent, too many texts this hour, or two-factor attempts are paused')
  @ApiProblem(503, 'Text messages cannot be sent right now')
  sendSms(@Body() body: ChallengeRefDto): Promise<SmsSentDto> {
    return this.smsCodes.forChallenge(body.challengeId);
  }

  @Public()
  @Post('auth/password/reset/sms')
  @HttpCode(200)
  @ApiOperation({ summary: 'Text the 2FA code a password reset needs, for the holder of a reset link' })
  @ApiOkResponse({ type: SmsSentDto })
  @ApiProblem(429, 'A code was just sent, too many texts this hour, or two-factor attempts are paused')
  @ApiProblem(503, 'Text messages cannot be sent right now')
  sendResetCode(@Body() body: ResetTokenDto): Promise<SmsSentDto> {
    return this.smsCodes.forPasswordReset(body.token);
  }

  @Public()
  @Post('auth/recovery/sms')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Lost authenticator: text a recovery code to the verified phone (not to blocked countries: open a support ticket then)',
  })
  @ApiOkResponse({ type: SmsSentDto })
  @ApiProblem(401, 'The challenge is unknown, expired or used up: sign in again')
  @ApiProblem(403, 'No verified phone, or its country is blocked for recovery texts: open a support ticket')
  @ApiProblem(429, 'A code was just sent, too many texts this hour, or two-factor attempts are paused')
  @ApiProblem(503, 'Text messages cannot be sent right now')
  sendRecovery(@Body() body: ChallengeRefDto): Promise<SmsSentDto> {
    return this.smsCodes.forRecovery(body.challengeId);
  }
}
