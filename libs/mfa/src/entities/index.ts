export * from './backup-code.entity';
export * from './mfa-challenge.entity';
export * from './mfa-factor.entity';
export * from './sms-code.entity';
export * from './trusted-device.entity';
