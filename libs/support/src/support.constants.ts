export const SUPPORT_OPTIONS = Symbol('SUPPORT_OPTIONS');

export interface SupportOptions {
  /** Distinct identity checks (email control included) an mfa_reset or account_deletion needs. */
  requiredChecks: number;
  /** An unconfirmed ticket expires after this. */
  confirmTtlMs: number;
  /** Tickets opened per IP and per email within the window. */
  perIpLimit: number;
  perEmailLimit: number;
  /** Uses of emailed ticket links (confirm, cancel and its preview) per IP within the window. */
  linkPerIpLimit: number;
  limitWindowMs: number;
}

export const DEFAULT_SUPPORT_OPTIONS: SupportOptions = {
  requiredChecks: 3,
  confirmTtlMs: 24 * 3600_000,
  perIpLimit: 10,
  perEmailLimit: 3,
  linkPerIpLimit: 30,
  limitWindowMs: 3600_000,
};

export const SupportAuditAction = {
  TicketOpened: 'support.ticket_opened',
  TicketTransition: 'support.ticket_transition',
  CheckRecorded: 'support.check_recorded',
  MfaResetExecuted: 'support.mfa_reset_executed',
  UserDeleted: 'support.user_deleted',
  SessionsRevoked: 'support.sessions_revoked',
} as const;
