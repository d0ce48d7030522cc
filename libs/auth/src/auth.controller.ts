import {
  AllowRestricted,
  ApiProblem,
  CurrentUser,
  PageQueryDto,
  UserPrincipal,
  Public,
  SessionOnly,
  describeClient,
  sessionIdOf,
} from '@latchkey/core';
import { SessionsService } from '@latchkey/sessions';
import { User } from '@latchkey/users';
import { Body, Controller, Get, HttpCode, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';

import {
  ChangePasswordDto,
  ForgotPasswordDto,
  LoginActivityPageDto,
  LoginDto,
  LoginResponseDto,
  ResetPasswordDto,
  StatusDto,
} from './dto/auth.dto';
import { LocalAuthGuard } from './guards/local-auth.guard';
import { LoginActivityService } from './login-activity.service';
import { LoginUseCase } from './login.use-case';
import { PasswordService } from './password.service';
import { DEVICE_COOKIE, SessionCookies } from './session-cookies';
import { SignInAnswer } from './sign-in-answer';

@ApiTags('auth')
@SessionOnly()
@Controller()
export class AuthController {
  constructor(
    private readonly login: LoginUseCase,
    private readonly passwords: PasswordService,
    private readonly sessions: SessionsService,
    private readonly activity: LoginActivityService,
    private readonly cookies: SessionCookies,
    private readonly answer: SignInAnswer,
  ) {}

  @Public()
  @Post('auth/login')
  @HttpCode(200)
  @UseGuards(LocalAuthGuard)
  @ApiOperation({ summary: 'Sign in with email and password: authenticated, mfa_required or mfa_setup_required' })
  @ApiBody({ type: LoginDto })
  @ApiOkResponse({ type: LoginResponseDto })
  @ApiProblem(401, 'Wrong email or password (the same answer for an unknown email)')
  @ApiProblem(403, 'REQUIRE_VERIFIED_EMAIL is on and this address was never confirmed (said only after the right password)')
  @ApiProblem(429, 'Too many attempts from this IP, or this email is locked for a while')
  @ApiProblem(503, 'SIGN_IN_BUSY: more sign-ins than the password hashing can take in time; retry after Retry-After seconds')
  async signIn(@Req() req: FastifyRequest & { user: User }, @Res({ passthrough: true }) reply: FastifyReply): Promise<LoginResponseDto> {
    const body = req.body as LoginDto;
    const deviceToken = body.deviceToken ?? (req.cookies as Record<string, string | undefined>)[this.cookies.name(DEVICE_COOKIE)];
    const result = await this.login.decide(req.user, describeClient(req.ip, req.headers['user-agent']), deviceToken);
    return this.answer.respond(result, reply);
  }

  @Post('auth/logout')
  @HttpCode(200)
  @AllowRestricted()
  @ApiOperation({ summary: 'End this session' })
  @ApiOkResponse({ type: StatusDto })
  async logout(@CurrentUser() p: UserPrincipal, @Res({ passthrough: true }) reply: FastifyReply): Promise<StatusDto> {
    await this.sessions.end(p.userId, sessionIdOf(p));
    this.cookies.clear(reply);
    return { status: 'signed_out' };
  }

  @Public()
  @Post('auth/password/forgot')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Email a reset link (valid 1 hour, single use). 202 whether or not the address has an account; capped per address and per IP',
  })
  @ApiAcceptedResponse({ type: StatusDto })
  @ApiProblem(429, 'Too many requests from this IP, or too many reset mails for this address (the same for an unknown one); Retry-After')
  async forgot(@Body() body: ForgotPasswordDto, @Req() req: FastifyRequest): Promise<StatusDto> {
    await this.passwords.forgot(body.email, req.ip);
    return { status: 'accepted', detail: 'If the address has an account, a reset link is on its way.' };
  }

  @Public()
  @Post('auth/password/reset')
  @HttpCode(200)
  @ApiOperation({ summary: 'Set a new password with the emailed token (and a 2FA code when 2FA is on); ends every session' })
  @ApiOkResponse({ type: StatusDto })
  @ApiProblem(429, 'Too many attempts from this IP, or too many wrong 2FA codes')
  async reset(@Body() body: ResetPasswordDto, @Req() req: FastifyRequest): Promise<StatusDto> {
    await this.passwords.reset(body.token, body.newPassword, body.code, req.ip);
    return { status: 'password_reset', detail: 'Sign in with your new password.' };
  }

  @Post('me/password')
  @HttpCode(200)
  @ApiOperation({ summary: 'Change your password; every other session is signed out' })
  @ApiOkResponse({ type: StatusDto })
  @ApiProblem(409, 'NO_PASSWORD_SET: the account has no password (signed up through a provider); set one through the reset link')
  @ApiProblem(429, 'Too many wrong passwords: the sign-in lockout (ACCOUNT_LOCKED) or the network limit')
  async changePassword(@CurrentUser() p: UserPrincipal, @Body() body: ChangePasswordDto): Promise<StatusDto> {
    await this.passwords.change(p, body.currentPassword, body.newPassword);
    return { status: 'password_changed' };
  }

  @Get('me/login-activity')
  @ApiOperation({ summary: 'Every sign-in attempt on your account, newest first' })
  @ApiOkResponse({ type: LoginActivityPageDto })
  async loginActivity(@CurrentUser() p: UserPrincipal, @Query() q: PageQueryDto): Promise<LoginActivityPageDto> {
    return this.activity.list(p.userId, q.limit ?? 20, q.cursor);
  }
}
