import type { FactorKindInfo } from '../factors/factor-registry';
import { MfaAuditAction } from '../mfa.constants';

/** A passkey (WebAuthn): a strong, phishing-resistant factor, several per user, answered with a credential. */
export const PASSKEY_KIND: FactorKindInfo = {
  kind: 'passkey',
  method: 'passkey',
  strength: 2,
  answer: 'credential',
  actions: { enabled: MfaAuditAction.PasskeyAdded, disabled: MfaAuditAction.PasskeyRemoved, renamed: MfaAuditAction.PasskeyRenamed },
};
