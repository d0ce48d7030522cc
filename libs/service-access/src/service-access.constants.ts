/** What the service API writes to the audit log (actor kind `service`, the calling credential's name in `by`). */
export const ServiceAccessAuditAction = {
  CredentialCreated: 'service.credential_created',
  CredentialRotated: 'service.credential_rotated',
  CredentialRevoked: 'service.credential_revoked',
} as const;
