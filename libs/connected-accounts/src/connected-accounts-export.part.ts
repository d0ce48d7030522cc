import { OneTableExportPart, isoTime } from '@latchkey/core';
import { Injectable } from '@nestjs/common';

interface Row {
  provider: string;
  issuer: string;
  subject: string;
  email: string | null;
  email_verified: boolean;
  linked_at: Date;
  last_used_at: Date | null;
}

/** Every provider identity linked to the user: who the provider says they are, and when it was used. */
@Injectable()
export class ConnectedAccountsExportPart extends OneTableExportPart<Row> {
  readonly area = 'connected-accounts';
  protected readonly source = {
    table: 'connected_identities',
    columns: 'provider, issuer, subject, email, email_verified, linked_at, last_used_at',
    time: 'linked_at',
  };

  protected toJson(r: Row & { id: string }) {
    return {
      id: r.id,
      provider: r.provider,
      issuer: r.issuer,
      subject: r.subject,
      email: r.email,
      emailVerified: r.email_verified,
      linkedAt: isoTime(r.linked_at),
      lastUsedAt: isoTime(r.last_used_at),
    };
  }
}
