import {
  AllowRestricted,
  ApiKeyAccess,
  ApiProblem,
  ApiProblems,
  CurrentUser,
  UserPrincipal,
  Public,
  SessionOnly,
  UuidPipe,
} from '@latchkey/core';
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Req, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiConsumes, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { AcceptedDto, ChangeEmailDto, PendingEmailStatusDto, RegisterDto, TokenDto, UpdateProfileDto, UserDto } from './dto/user.dto';
import { usersError } from './users.exception';
import { UsersService } from './users.service';

@ApiTags('me')
@SessionOnly()
@Controller()
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get('me')
  @ApiKeyAccess()
  @AllowRestricted()
  @ApiOperation({ summary: 'Your profile and preferences' })
  @ApiOkResponse({ type: UserDto })
  me(@CurrentUser() principal: UserPrincipal, @Res({ passthrough: true }) reply: FastifyReply): string | Promise<string> {
    // The profile's JSON text, kept with the cached profile (UsersService.profileJson): sent as it is.
    void reply.type('application/json; charset=utf-8');
    return this.users.profileJson(principal.userId);
  }

  @Patch('me')
  @ApiKeyAccess()
  @ApiOperation({ summary: 'Update your profile and preferences' })
  @ApiOkResponse({ type: UserDto })
  async update(@CurrentUser() principal: UserPrincipal, @Body() body: UpdateProfileDto): Promise<UserDto> {
    return this.users.toDto(await this.users.updateProfile(principal.userId, body));
  }

  @Put('me/avatar')
  @ApiOperation({ summary: 'Upload an avatar: PNG, JPEG or WebP, at most 2 MB (multipart field "file")' })
  @ApiConsumes('multipart/form-data')
  @ApiBody({ schema: { type: 'object', properties: { file: { type: 'string', format: 'binary' } }, required: ['file'] } })
  @ApiOkResponse({ type: UserDto })
  @ApiProblem(413, 'The image is larger than 2 MB')
  async avatar(@CurrentUser() principal: UserPrincipal, @Req() req: FastifyRequest): Promise<UserDto> {
    if (!req.isMultipart()) {
      throw usersError('AVATAR_INVALID', 'Send the image as multipart/form-data in the field "file".', {
        errors: [{ field: 'file', message: 'is missing' }],
      });
    }
    let file;
    try {
      file = await req.file();
    } catch {
      throw usersError('AVATAR_INVALID', 'The upload could not be read.', { errors: [{ field: 'file', message: 'could not be read' }] });
    }
    if (!file || file.fieldname !== 'file') {
      throw usersError('AVATAR_INVALID', 'Send the image in the field "file".', { errors: [{ field: 'file', message: 'is missing' }] });
    }
    let data: Buffer;
    try {
      data = await file.toBuffer();
    } catch {
      throw usersError('AVATAR_TOO_LARGE', 'The image is larger than 2 MB.', {
        errors: [{ field: 'file', message: 'is larger than 2 MB' }],
      });
    }
    return this.users.toDto(await this.users.setAvatar(principal.userId, data));
  }

  @Public()
  @Get('users/:userId/avatar')
  @ApiOperation({ summary: "A user's avatar image (stable URL; the v query parameter busts caches)" })
  @ApiOkResponse({
    description: 'The image, as uploaded (PNG, JPEG or WebP)',
    content: Object.fromEntries(
      ['image/png', 'image/jpeg', 'image/webp'].map((t) => [t, { schema: { type: 'string', format: 'binary' } }]),
    ),
  })
  @ApiProblem(404, 'No such user, or no avatar')
  async getAvatar(@Param('userId', new UuidPipe('userId')) userId: string, @Res() reply: FastifyReply) {
    const avatar = await this.users.getAvatar(userId);
    void reply
      .header('Content-Type', avatar.contentType)
      .header('Cache-Control', 'public, max-age=86400')
      .header('X-Content-Type-Options', 'nosniff')
      .send(avatar.data);
  }

  @Post('me/email')
  @HttpCode(202)
  @ApiOperation({ summary: 'Change your email: a link goes to the new address; the old one works until it is followed' })
  @ApiAcceptedResponse({ type: AcceptedDto })
  @ApiProblem(429, 'Too many wrong passwords: the sign-in lockout (ACCOUNT_LOCKED) or the network limit')
  async changeEmail(@CurrentUser() principal: UserPrincipal, @Body() body: ChangeEmailDto): Promise<AcceptedDto> {
    await this.users.requestEmailChange(principal.userId, body.newEmail, body.password);
    return { status: 'accepted', detail: 'If the address can be used, a confirmation link is on its way to it.' };
  }

  @Get('me/email/pending')
  @ApiOperation({ summary: 'The email change waiting for confirmation from the new address, if any' })
  @ApiOkResponse({ type: PendingEmailStatusDto })
  @ApiProblems(401, 403)
  async pendingEmail(@CurrentUser() principal: UserPrincipal): Promise<PendingEmailStatusDto> {
    return { pending: await this.users.pendingEmailChange(principal.userId) };
  }

  @Post('me/email/pending/resend')
  @HttpCode(202)
  @ApiOperation({ summary: 'Send the confirmation link again (the previous link stops working); at most 3 an hour' })
  @ApiAcceptedResponse({ type: AcceptedDto })
  @ApiProblems(401, 403, 404, 429)
  async resendEmail(@CurrentUser() principal: UserPrincipal): Promise<AcceptedDto> {
    await this.users.resendEmailChange(principal.userId);
    return { status: 'accepted', detail: 'If the address can be used, a new confirmation link is on its way to it.' };
  }

  @Delete('me/email/pending')
  @HttpCode(204)
  @ApiOperation({ summary: 'Cancel the pending email change; the link stops working and your address stays' })
  @ApiNoContentResponse()
  @ApiProblems(401, 403, 404)
  async cancelEmail(@CurrentUser() principal: UserPrincipal): Promise<void> {
    await this.users.cancelEmailChange(principal.userId);
  }

  @Public()
  @Post('me/email/confirm')
  @HttpCode(200)
  @ApiOperation({ summary: 'Confirm an email change with the token from the link' })
  @ApiOkResponse({ type: UserDto })
  async confirmEmail(@Body() body: TokenDto): Promise<UserDto> {
    return this.users.toDto(await this.users.confirmEmailChange(body.token));
  }

  @Public()
  @Post('auth/register')
  @HttpCode(202)
  @ApiOperation({ summary: 'Sign up; a verification link is emailed. The answer is the same for a taken address.' })
  @ApiAcceptedResponse({ type: AcceptedDto })
  @ApiProblem(403, 'Sign-up is turned off (REGISTRATION_ENABLED=false)')
  @ApiProblem(429, 'Too many sign-ups from this network, or for this address (the same for a taken one); Retry-After')
  async register(@Body() body: RegisterDto, @Req() req: FastifyRequest): Promise<AcceptedDto> {
    await this.users.register(body, req.ip);
    return { status: 'accepted', detail: 'Check your inbox to confirm your address, then sign in.' };
  }

  @Public()
  @Post('auth/verify-email')
  @HttpCode(200)
  @ApiOperation({ summary: 'Confirm an email address with the token from the link' })
  @ApiOkResponse({ type: AcceptedDto })
  async verifyEmail(@Body() body: TokenDto): Promise<AcceptedDto> {
    await this.users.verifyEmail(body.token);
    return { status: 'verified' };
  }
}
