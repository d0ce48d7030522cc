import { AuthModule } from '@latchkey/auth';
import { APP_CONFIG, AppConfig } from '@latchkey/core';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { BackupCodesService } from './backup-codes/backup-codes.service';
import { ChallengesService } from './challenges/challenges.service';
import { CompleteMfaSignInUseCase } from './complete-mfa-sign-in.use-case';
import { BackupCode, MfaChallenge, MfaFactor, SmsCode, TrustedDevice } from './entities';
import { FactorsRepository } from './factors.repository';
import { FactorsExportPart, TrustedDevicesExportPart } from './mfa-export.part';
import { DEFAULT_MFA_OPTIONS, MFA_OPTIONS, MfaOptions } from './mfa.constants';
import { MfaController } from './mfa.controller';
import { MemberSecurityView, SqlMemberSecurityView } from './member-security.view';
import { MfaService } from './mfa.service';
import { MfaSignInController } from './mfa-sign-in.controller';
import { MfaSignInStep } from './mfa-sign-in.step';
import { PasskeySignInUseCase } from './passkeys/passkey-sign-in.use-case';
import { PasskeySignInController, PasskeysController } from './passkeys/passkeys.controller';
import { PasskeysRepository } from './passkeys/passkeys.repository';
import { PasskeysService } from './passkeys/passkeys.service';
import { SmsGuard } from './sms-guard';
import { SmsCodesService } from './sms/sms-codes.service';
import { SmsSender } from './sms/sms-sender';
import { TrustedDevicesService } from './trusted-devices/trusted-devices.service';

@Module({
  imports: [AuthModule, TypeOrmModule.forFeature([MfaFactor, BackupCode, MfaChallenge, SmsCode, TrustedDevice])],
  providers: [
    {
      provide: MFA_OPTIONS,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig): MfaOptions => ({
        ...DEFAULT_MFA_OPTIONS,
        smsRecoveryBlockedCountries: config.abuse.sms.blockedCountries ?? DEFAULT_MFA_OPTIONS.smsRecoveryBlockedCountries,
      }),
    },
    BackupCodesService,
    ChallengesService,
    CompleteMfaSignInUseCase,
    FactorsExportPart,
    FactorsRepository,
    { provide: MemberSecurityView, useClass: SqlMemberSecurityView },
    MfaService,
    MfaSignInStep,
    PasskeySignInUseCase,
    PasskeysRepository,
    PasskeysService,
    SmsCodesService,
    SmsGuard,
    SmsSender,
    TrustedDevicesService,
    TrustedDevicesExportPart,
  ],
  exports: [
    MfaService,
    TrustedDevicesService,
    SmsSender,
    MemberSecurityView,
    PasskeysService,
    PasskeySignInUseCase,
    CompleteMfaSignInUseCase,
  ],
})
export class MfaModule {}

/** The MFA routes (factors, passkeys, the second sign-in step), for the API only. */
@Module({
  imports: [MfaModule, AuthModule],
  controllers: [MfaController, MfaSignInController, PasskeysController, PasskeySignInController],
})
export class MfaHttpModule {}
