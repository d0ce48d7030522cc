import { Clock, SecretBox } from '@latchkey/core';
import { UsersService } from '@latchkey/users';
import { Test } from '@nestjs/testing';

import { BackupCodesMethod } from './backup-codes/backup-codes.method';
import { BackupCodesService } from './backup-codes/backup-codes.service';
import { MfaFactor } from './entities/mfa-factor.entity';
import { FactorsRepository } from './factors.repository';
import { FactorRegistry } from './factors/factor-registry';
import { MfaReset } from './factors/mfa-reset.service';
import { DEFAULT_MFA_OPTIONS } from './mfa.constants';
import { MfaLock } from './mfa-lock';
import { MfaNotifier } from './mfa-notifier';
import { MfaService } from './mfa.service';
import { PasskeyFactor } from './passkeys/passkey.factor';
import { PasskeysService } from './passkeys/passkeys.service';
import { SmsCodesService } from './sms/sms-codes.service';
import { SmsFactor } from './sms/sms.factor';
import { TotpFactor } from './totp/totp.factor';
import { TwoFactorRequirement } from './two-factor-requirement';

// Everything MfaService needs but the port, as plain values.
const others = [FactorsRepository, BackupCodesService, FactorRegistry, MfaLock, UsersService, MfaReset].map((provide) => ({
  provide,
  useValue: {},
}));

describe('MfaService and the TwoFactorRequirement port', () => {
  it('cannot be built where nothing provides the port: a boot without the accounts lib fails instead of reporting no requirement', async () => {
    const err = await Test.createTestingModule({ providers: [MfaService, ...others] })
      .compile()
      .then(
        () => undefined,
        (e: Error) => e,
      );
    expect(err?.message).toMatch(/can't resolve dependencies of the MfaService[\s\S]*TwoFactorRequirement/);
  });

  it('the status: each kind describes itself through the registry, and the port names the accounts that require 2FA', async () => {
    const requirement: TwoFactorRequirement = { requiredBy: jest.fn(async () => ['Acme']) };
    const confirmed = [
      { kind: 'totp', confirmedAt: new Date() },
      { kind: 'sms', phone: '+447700900123', confirmedAt: new Date() },
    ] as MfaFactor[];
    const registry = new FactorRegistry([
      new TotpFactor({} as FactorsRepository, {} as SecretBox, {} as Clock),
      new SmsFactor({} as SmsCodesService),
      new PasskeyFactor({} as PasskeysService),
      new BackupCodesMethod(DEFAULT_MFA_OPTIONS, {} as BackupCodesService, {} as MfaNotifier, {} as Clock),
    ]);
    const moduleRef = await Test.createTestingModule({
      providers: [
        MfaService,
        ...others.filter((o) => !([FactorsRepository, FactorRegistry, BackupCodesService] as unknown[]).includes(o.provide)),
        { provide: FactorsRepository, useValue: { findConfirmed: async () => confirmed } },
        { provide: BackupCodesService, useValue: { remaining: async () => 7 } },
        { provide: FactorRegistry, useValue: registry },
        { provide: TwoFactorRequirement, useValue: requirement },
      ],
    }).compile();
    const status = await moduleRef.get(MfaService).status('user-1');
    expect(status).toEqual({
      enabled: true,
      totp: true,
      authenticators: 1,
      sms: '+44••••••••23',
      passkeys: 0,
      backupCodesRemaining: 7,
      requiredBy: ['Acme'],
      methods: ['totp', 'sms', 'backup_code'],
    });
    expect(requirement.requiredBy).toHaveBeenCalledWith('user-1');
  });
});
