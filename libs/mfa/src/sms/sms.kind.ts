import type { FactorKindInfo } from '../factors/factor-registry';
import { MfaAuditAction } from '../mfa.constants';

/** A phone for texted codes: a weak factor (SIM swaps, interception), one per user. */
export const SMS_KIND: FactorKindInfo = {
  kind: 'sms',
  method: 'sms',
  strength: 1,
  answer: 'code',
  actions: { enabled: MfaAuditAction.SmsEnabled, disabled: MfaAuditAction.SmsDisabled },
};
