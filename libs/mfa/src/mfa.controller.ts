import { AllowRestricted, ApiProblem, CurrentUser, UserPrincipal, SessionOnly, UuidPipe } from '@latchkey/core';
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import {
  AddAuthenticatorDto,
  BackupCodesDto,
  ConfirmCodeDto,
  FactorDto,
  FactorEnabledDto,
  FactorNameDto,
  MfaStatusDto,
  MfaStatusMessageDto,
  ReauthProofDto,
  SmsSentDto,
  SmsSetupDto,
  TotpSetupResponseDto,
  TrustedDeviceDto,
} from './dto/mfa.dto';
import { BackupCodesRegeneration } from './backup-codes/backup-codes-regeneration.service';
import { FactorList } from './factors/factor-list.service';
import { MfaReset } from './factors/mfa-reset.service';
import { MfaAuditAction } from './mfa.constants';
import { mfaError } from './mfa.exception';
import { MfaNotifier } from './mfa-notifier';
import { MfaService } from './mfa.service';
import { SmsEnrolment } from './sms/sms-enrolment.service';
import { SmsSignInCodes } from './sms/sms-sign-in-codes.service';
import { TotpEnrolment } from './totp/totp-enrolment.service';
import { TrustedDevicesService } from './trusted-devices/trusted-devices.service';

@ApiTags('mfa')
@SessionOnly()
@Controller()
export class MfaController {
  constructor(
    private readonly mfa: MfaService,
    private readonly totp: TotpEnrolment,
    private readonly sms: SmsEnrolment,
    private readonly smsCodes: SmsSignInCodes,
    private readonly backupCodes: BackupCodesRegeneration,
    private readonly mfaReset: MfaReset,
    private readonly trustedDevices: TrustedDevicesService,
    private readonly notifier: MfaNotifier,
    private readonly factorList: FactorList,
  ) {}

  @Get('me/mfa')
  @AllowRestricted()
  @ApiOperation({ summary: 'Two-factor status: authenticator, masked phone, backup codes left' })
  @ApiOkResponse({ type: MfaStatusDto })
  status(@CurrentUser() p: UserPrincipal): Promise<MfaStatusDto> {
    return this.mfa.status(p.userId);
  }

  @Get('me/mfa/factors')
  @ApiOperation({ summary: 'Every confirmed factor (authenticator apps, phone, passkeys), oldest first, with its name and last use' })
  @ApiOkResponse({ type: [FactorDto] })
  listFactors(@CurrentUser() p: UserPrincipal): Promise<FactorDto[]> {
    return this.factorList.list(p.userId);
  }

  @Patch('me/mfa/factors/:id')
  @ApiOperation({ summary: 'Rename an authenticator app or a passkey' })
  @ApiOkResponse({ type: FactorDto })
  @ApiProblem(400, 'A phone has no name of its own (MFA_FACTOR_NOT_NAMED)')
  @ApiProblem(404, 'No such factor')
  @ApiProblem(409, 'Another of your authenticator apps has that name')
  renameFactor(
    @CurrentUser() p: UserPrincipal,
    @Param('id', new UuidPipe('id')) id: string,
    @Body() body: FactorNameDto,
  ): Promise<FactorDto> {
    return this.factorList.rename(p, id, body.name);
  }

  @Delete('me/mfa/factors/:id')
  @ApiOperation({ summary: 'Remove one factor of any kind (password and a current code required); trusted devices are revoked' })
  @ApiOkResponse({ type: MfaStatusMessageDto })
  @ApiProblem(403, 'Proof required: send the password (and a code when 2FA is on)')
  @ApiProblem(429, 'Too many wrong 2FA codes (MFA_LOCKED) or wrong passwords (ACCOUNT_LOCKED, the sign-in lockout)')
  @ApiProblem(404, 'No such factor')
  async removeFactor(
    @CurrentUser() p: UserPrincipal,
    @Param('id', new UuidPipe('id')) id: string,
    @Body() body: ReauthProofDto,
  ): Promise<MfaStatusMessageDto> {
    await this.factorList.remove(p, id, body ?? {});
    return { status: 'disabled' };
  }

  @Post('me/mfa/authenticators')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Add an authenticator app with a name (another one, or the first): secret, otpauth URI and QR code; pending until confirmed with POST /me/mfa/totp/confirm (reauth when another factor exists)',
  })
  @ApiOkResponse({ type: TotpSetupResponseDto })
  @ApiProblem(403, 'Proof required: send the password (and a code when 2FA is on)')
  @ApiProblem(429, 'Too many wrong 2FA codes (MFA_LOCKED) or wrong passwords (ACCOUNT_LOCKED, the sign-in lockout)')
  @ApiProblem(
    409,
    'Another of your authenticator apps has that name, a setup was started at the same time, or 10 are set up already (MFA_TOO_MANY_FACTORS)',
  )
  addAuthenticator(@CurrentUser() p: UserPrincipal, @Body() body: AddAuthenticatorDto): Promise<TotpSetupResponseDto> {
    return this.totp.add(p, body.name.trim(), body);
  }

  @Post('me/mfa/totp/setup')
  @HttpCode(200)
  @AllowRestricted()
  @ApiOperation({
    summary: 'Start authenticator setup: secret, otpauth URI and QR code; pending until confirmed (reauth when another factor exists)',
  })
  @ApiOkResponse({ type: TotpSetupResponseDto })
  @ApiProblem(403, 'Proof required: send the password (and a code when 2FA is on)')
  @ApiProblem(429, 'Too many wrong 2FA codes (MFA_LOCKED) or wrong passwords (ACCOUNT_LOCKED, the sign-in lockout)')
  @ApiProblem(409, 'An authenticator app is already set up')
  startTotp(@CurrentUser() p: UserPrincipal, @Body() body: ReauthProofDto): Promise<TotpSetupResponseDto> {
    return this.totp.start(p, body ?? {});
  }

  @Post('me/mfa/totp/confirm')
  @HttpCode(200)
  @AllowRestricted()
  @ApiOperation({ summary: 'Confirm the pending authenticator with a code of it; the first factor returns backup codes once' })
  @ApiOkResponse({ type: FactorEnabledDto })
  @ApiProblem(
    409,
    'No setup is pending and an authenticator app is set up, another authenticator got its name meanwhile, or 10 are set up already',
  )
  confirmTotp(@CurrentUser() p: UserPrincipal, @Body() body: ConfirmCodeDto): Promise<FactorEnabledDto> {
    return this.totp.confirm(p, body.code);
  }

  @Delete('me/mfa/totp')
  @ApiOperation({
    summary:
      'Remove the authenticator when there is only one (password and a current code required); trusted devices are revoked. With several: 409, use DELETE /me/mfa/factors/{id}',
  })
  @ApiOkResponse({ type: MfaStatusMessageDto })
  @ApiProblem(403, 'Proof required: send the password (and a code when 2FA is on)')
  @ApiProblem(429, 'Too many wrong 2FA codes (MFA_LOCKED) or wrong passwords (ACCOUNT_LOCKED, the sign-in lockout)')
  @ApiProblem(404, 'No authenticator app is set up')
  @ApiProblem(409, 'Several authenticator apps are set up (MFA_SEVERAL_FACTORS): remove one by id')
  async disableTotp(@CurrentUser() p: UserPrincipal, @Body() body: ReauthProofDto): Promise<MfaStatusMessageDto> {
    await this.totp.remove(p, body ?? {});
    return { status: 'disabled' };
  }

  @Post('me/mfa/sms/setup')
  @HttpCode(200)
  @AllowRestricted()
  @ApiOperation({ summary: 'Send a code to a phone (E.164) to add it as a factor (reauth when another factor exists)' })
  @ApiOkResponse({ type: SmsSentDto })
  @ApiProblem(
    403,
    'Proof required (the password, and a code when 2FA is on); the email is not verified yet; or texts are not sent to that country',
  )
  @ApiProblem(
    429,
    'Too many wrong 2FA codes (MFA_LOCKED) or wrong passwords (ACCOUNT_LOCKED, the sign-in lockout); a code was just sent; or too many texts this hour to this number, from this network, for this user or overall',
  )
  @ApiProblem(409, 'A phone is already set up')
  @ApiProblem(503, 'Text messages cannot be sent right now')
  startSms(@CurrentUser() p: UserPrincipal, @Body() body: SmsSetupDto): Promise<SmsSentDto> {
    return this.sms.start(p, body.phone, body);
  }

  @Post('me/mfa/sms/confirm')
  @HttpCode(200)
  @AllowRestricted()
  @ApiOperation({ summary: 'Confirm the phone with the texted code' })
  @ApiOkResponse({ type: FactorEnabledDto })
  @ApiProblem(409, 'A phone is already set up')
  confirmSms(@CurrentUser() p: UserPrincipal, @Body() body: ConfirmCodeDto): Promise<FactorEnabledDto> {
    return this.sms.confirm(p, body.code);
  }

  @Post('me/mfa/sms/code')
  @HttpCode(200)
  @ApiOperation({ summary: 'Text a code to confirm a sensitive change (the "code" of reauth)' })
  @ApiOkResponse({ type: SmsSentDto })
  @ApiProblem(429, 'A code was just sent, too many texts this hour, or two-factor attempts are paused')
  @ApiProblem(503, 'Text messages cannot be sent right now')
  sendReauthCode(@CurrentUser() p: UserPrincipal): Promise<SmsSentDto> {
    return this.smsCodes.send(p.userId, null, 'sign_in');
  }

  @Delete('me/mfa/sms')
  @ApiOperation({ summary: 'Remove the phone factor (password and a current code required)' })
  @ApiOkResponse({ type: MfaStatusMessageDto })
  @ApiProblem(403, 'Proof required: send the password (and a code when 2FA is on)')
  @ApiProblem(429, 'Too many wrong 2FA codes (MFA_LOCKED) or wrong passwords (ACCOUNT_LOCKED, the sign-in lockout)')
  @ApiProblem(404, 'No phone is set up')
  async disableSms(@CurrentUser() p: UserPrincipal, @Body() body: ReauthProofDto): Promise<MfaStatusMessageDto> {
    await this.sms.remove(p, body ?? {});
    return { status: 'disabled' };
  }

  @Post('me/mfa/backup-codes/regenerate')
  @HttpCode(200)
  @ApiOperation({ summary: 'New backup codes (password and a current code required); the old ones stop working' })
  @ApiOkResponse({ type: BackupCodesDto })
  @ApiProblem(403, 'Proof required: send the password (and a code when 2FA is on)')
  @ApiProblem(429, 'Too many wrong 2FA codes (MFA_LOCKED) or wrong passwords (ACCOUNT_LOCKED, the sign-in lockout)')
  @ApiProblem(404, 'Two-factor authentication is not set up')
  async regenerate(@CurrentUser() p: UserPrincipal, @Body() body: ReauthProofDto): Promise<BackupCodesDto> {
    return { backupCodes: await this.backupCodes.regenerate(p, body ?? {}) };
  }

  @Post('me/mfa/reset')
  @HttpCode(200)
  @ApiOperation({ summary: 'Remove every factor, backup code and trusted device (password and a current code required)' })
  @ApiOkResponse({ type: MfaStatusMessageDto })
  @ApiProblem(403, 'Proof required: send the password (and a code when 2FA is on)')
  @ApiProblem(429, 'Too many wrong 2FA codes (MFA_LOCKED) or wrong passwords (ACCOUNT_LOCKED, the sign-in lockout)')
  async reset(@CurrentUser() p: UserPrincipal, @Body() body: ReauthProofDto): Promise<MfaStatusMessageDto> {
    await this.mfaReset.selfReset(p, body ?? {});
    return { status: 'reset', detail: 'Two-factor authentication is off. Set it up again.' };
  }

  @Get('me/trusted-devices')
  @ApiOperation({ summary: 'Devices that skip the second sign-in step' })
  @ApiOkResponse({ type: [TrustedDeviceDto] })
  listDevices(@CurrentUser() p: UserPrincipal): Promise<TrustedDeviceDto[]> {
    return this.trustedDevices.list(p.userId);
  }

  @Delete('me/trusted-devices/:id')
  @ApiOperation({ summary: 'Stop trusting one device' })
  @ApiOkResponse({ type: MfaStatusMessageDto })
  @ApiProblem(404, 'No such trusted device')
  async revokeDevice(@CurrentUser() p: UserPrincipal, @Param('id', new UuidPipe('id')) id: string): Promise<MfaStatusMessageDto> {
    if (!(await this.trustedDevices.revoke(p.userId, id))) {
      throw mfaError('TRUSTED_DEVICE_NOT_FOUND', 'No such trusted device.');
    }
    await this.notifier.audit(p.userId, MfaAuditAction.TrustedDeviceRevoked, { deviceId: id });
    return { status: 'revoked' };
  }

  @Delete('me/trusted-devices')
  @ApiOperation({ summary: 'Stop trusting every device' })
  @ApiOkResponse({ type: MfaStatusMessageDto })
  async revokeAllDevices(@CurrentUser() p: UserPrincipal): Promise<MfaStatusMessageDto> {
    const count = await this.trustedDevices.revokeAll(p.userId);
    await this.notifier.audit(p.userId, MfaAuditAction.TrustedDeviceRevoked, { count });
    return { status: 'revoked', detail: `${count} device(s) no longer trusted.` };
  }
}
