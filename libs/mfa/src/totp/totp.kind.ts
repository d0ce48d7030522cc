import type { FactorKindInfo } from '../factors/factor-registry';
import { MfaAuditAction } from '../mfa.constants';

/** An authenticator app: a strong factor, several per user, each named. */
export const TOTP_KIND: FactorKindInfo = {
  kind: 'totp',
  method: 'totp',
  strength: 2,
  answer: 'code',
  actions: { enabled: MfaAuditAction.TotpEnabled, disabled: MfaAuditAction.TotpDisabled, renamed: MfaAuditAction.TotpRenamed },
};
