import { AccountRole, AccountRoles, ActiveMembership, CurrentMembership } from '@latchkey/accounts';
import { ApiProblem, CurrentUser, UserPrincipal, SessionOnly, UuidPipe } from '@latchkey/core';
import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { ApiKeysService } from './api-keys.service';
import { ApiKeyListDto, CreateApiKeyDto, IssuedApiKeyDto } from './dto/api-keys.dto';

/** Managing keys always needs a session: a key can neither mint nor revoke keys. */
@ApiTags('api keys')
@SessionOnly()
@Controller('me/api-keys')
export class MyApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @ApiOperation({
    summary:
      'Create a personal access token (password and, with 2FA, a code required every time); its secret is in this answer only. You are emailed',
  })
  @ApiCreatedResponse({ type: IssuedApiKeyDto })
  @ApiProblem(403, 'REAUTH_REQUIRED: the password is missing')
  @ApiProblem(409, 'API_KEY_LIMIT_REACHED: 50 active keys already')
  @ApiProblem(429, 'Too many wrong passwords: the sign-in lockout (ACCOUNT_LOCKED) or the network limit')
  async create(@CurrentUser() p: UserPrincipal, @Body() body: CreateApiKeyDto): Promise<IssuedApiKeyDto> {
    return this.keys.create(p, body);
  }

  @Get()
  @ApiOperation({ summary: 'Your API keys, newest first (revoked and expired ones for 30 days); never their secrets' })
  @ApiOkResponse({ type: ApiKeyListDto })
  async list(@CurrentUser() p: UserPrincipal): Promise<ApiKeyListDto> {
    return { items: await this.keys.listMine(p.userId) };
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke one of your keys: it stops working at once, on every instance' })
  @ApiNoContentResponse({ description: 'Revoked' })
  @ApiProblem(404, 'No such key of yours, or it is already revoked')
  async revoke(@CurrentUser() p: UserPrincipal, @Param('id', new UuidPipe('id')) id: string): Promise<void> {
    await this.keys.revokeMine(p, id);
  }
}

/** Owners see and revoke the keys bound to their account, whoever created them. */
@ApiTags('api keys')
@SessionOnly()
@Controller('accounts/:accountId/api-keys')
export class AccountApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Get()
  @AccountRoles(AccountRole.Owner)
  @ApiOperation({ summary: "API keys bound to this account (owners), with each key's user" })
  @ApiOkResponse({ type: ApiKeyListDto })
  async list(@CurrentMembership() membership: ActiveMembership): Promise<ApiKeyListDto> {
    return { items: await this.keys.listForAccount(membership.accountId, membership.account.name) };
  }

  @Delete(':id')
  @HttpCode(204)
  @AccountRoles(AccountRole.Owner)
  @ApiOperation({ summary: 'Revoke a key bound to this account (owners): it stops working at once' })
  @ApiNoContentResponse({ description: 'Revoked' })
  @ApiProblem(404, 'No such key on this account, or it is already revoked')
  async revoke(
    @CurrentUser() p: UserPrincipal,
    @CurrentMembership() membership: ActiveMembership,
    @Param('id', new UuidPipe('id')) id: string,
  ): Promise<void> {
    await this.keys.revokeForAccount(p, membership.accountId, id);
  }
}
