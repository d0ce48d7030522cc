import { AuthModule } from '@latchkey/auth';
import { APP_CONFIG, AppConfig } from '@latchkey/core';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { BackupCodesMethod } from './backup-codes/backup-codes.method';
import { BackupCodesRegeneration } from './backup-codes/backup-codes-regeneration.service';
import { BackupCodesService } from './backup-codes/backup-codes.service';
import { ChallengesService } from './challenges/challenges.service';
import { CompleteMfaSignInUseCase } from './complete-mfa-sign-in.use-case';
import { BackupCode, MfaChallenge, MfaFactor, SmsCode, TrustedDevice } from './entities';
import { FactorsRepository } from './factors.repository';
import { FactorEnrolment } from './factors/factor-enrolment.service';
import { FactorList } from './factors/factor-list.service';
import { FACTOR_KIND_CATALOGUE, FACTOR_KINDS, FactorRegistry, SIGN_IN_METHODS } from './factors/factor-registry';
import { FactorRemoval } from './factors/factor-removal.service';
import { SignInMethod } from './factors/factor-strategy';
import { MfaReset } from './factors/mfa-reset.service';
import { FactorsExportPart, TrustedDevicesExportPart } from './mfa-export.part';
import { DEFAULT_MFA_OPTIONS, MFA_OPTIONS, MfaOptions } from './mfa.constants';
import { MfaController } from './mfa.controller';
import { MemberSecurityView, SqlMemberSecurityView } from './member-security.view';
import { MfaLock } from './mfa-lock';
import { MfaNotifier } from './mfa-notifier';
import { MfaService } from './mfa.service';
import { MfaSignInController } from './mfa-sign-in.controller';
import { MfaSignInStep } from './mfa-sign-in.step';
import { PasskeyFactor } from './passkeys/passkey.factor';
import { PasskeySignInUseCase } from './passkeys/passkey-sign-in.use-case';
import { PasskeySignInController, PasskeysController } from './passkeys/passkeys.controller';
import { PasskeysRepository } from './passkeys/passkeys.repository';
import { PasskeysService } from './passkeys/passkeys.service';
import { SmsGuard } from './sms-guard';
import { SmsCodesService } from './sms/sms-codes.service';
import { SmsEnrolment } from './sms/sms-enrolment.service';
import { SmsSender } from './sms/sms-sender';
import { SmsSignInCodes } from './sms/sms-sign-in-codes.service';
import { SmsFactor } from './sms/sms.factor';
import { SeededTotp } from './totp/seeded-totp.service';
import { TotpEnrolment } from './totp/totp-enrolment.service';
import { TotpFactor } from './totp/totp.factor';
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
    // The factor kinds, then the recovery method, in the order a challenge offers them. A new
    // kind is one strategy here and its entry in FACTOR_KINDS (see factor-strategy.ts's checklist).
    TotpFactor,
    SmsFactor,
    PasskeyFactor,
    BackupCodesMethod,
    {
      provide: SIGN_IN_METHODS,
      inject: [TotpFactor, SmsFactor, PasskeyFactor, BackupCodesMethod],
      useFactory: (...methods: SignInMethod[]) => methods,
    },
    { provide: FACTOR_KIND_CATALOGUE, useValue: FACTOR_KINDS },
    FactorRegistry,
    BackupCodesRegeneration,
    BackupCodesService,
    ChallengesService,
    CompleteMfaSignInUseCase,
    FactorEnrolment,
    FactorList,
    FactorRemoval,
    FactorsExportPart,
    FactorsRepository,
    { provide: MemberSecurityView, useClass: SqlMemberSecurityView },
    MfaLock,
    MfaNotifier,
    MfaReset,
    MfaService,
    MfaSignInStep,
    PasskeySignInUseCase,
    PasskeysRepository,
    PasskeysService,
    SeededTotp,
    SmsCodesService,
    SmsEnrolment,
    SmsGuard,
    SmsSender,
    SmsSignInCodes,
    TotpEnrolment,
    TrustedDevicesService,
    TrustedDevicesExportPart,
  ],
  exports: [
    MfaService,
    SeededTotp,
    TrustedDevicesService,
    SmsSender,
    MemberSecurityView,
    // For MfaHttpModule's routes.
    BackupCodesRegeneration,
    CompleteMfaSignInUseCase,
    MfaNotifier,
    MfaReset,
    FactorList,
    PasskeySignInUseCase,
    PasskeysService,
    SmsEnrolment,
    SmsSignInCodes,
    TotpEnrolment,
  ],
})
export class MfaModule {}

/** The MFA routes (factors, passkeys, the second sign-in step), for the API only. */
@Module({
  imports: [MfaModule, AuthModule],
  controllers: [MfaController, MfaSignInController, PasskeysController, PasskeySignInController],
})
export class MfaHttpModule {}
