import { Foundation1763900000000 } from './1763900000000-Foundation';
import { Identity1763900000100 } from './1763900000100-Identity';
import { ChangeFeed1763900000150 } from './1763900000150-ChangeFeed';
import { Mfa1763900000200 } from './1763900000200-Mfa';
import { Accounts1763900000300 } from './1763900000300-Accounts';
import { NotificationCenter1763900000400 } from './1763900000400-NotificationCenter';
import { Support1763900000500 } from './1763900000500-Support';
import { SupportTicketReference1763900000610 } from './1763900000610-SupportTicketReference';
import { OutboxRequestId1763900002000 } from './1763900002000-OutboxRequestId';
import { OutboxWipeLinks1763900002300 } from './1763900002300-OutboxWipeLinks';
import { DataExports1764000100000 } from './1764000100000-DataExports';
import { DeletionGraceAndConsent1764000200000 } from './1764000200000-DeletionGraceAndConsent';
import { OutboxWorkers1764000300000 } from './1764000300000-OutboxWorkers';
import { MfaUserSummary1764000400000 } from './1764000400000-MfaUserSummary';
import { ServiceCredentials1764000500000 } from './1764000500000-ServiceCredentials';
import { AccountBilling1764000500100 } from './1764000500100-AccountBilling';
import { WebhookEndpoints1764000500200 } from './1764000500200-WebhookEndpoints';
import { AccountNotificationSettings1764000500400 } from './1764000500400-AccountNotificationSettings';
import { ApiKeys1764000600000 } from './1764000600000-ApiKeys';
import { HostEventTypes1764000600100 } from './1764000600100-HostEventTypes';
import { Passkeys1764000601600 } from './1764000601600-Passkeys';
import { ConnectedAccounts1764000602000 } from './1764000602000-ConnectedAccounts';
import { ProviderLinkTokens1764000602100 } from './1764000602100-ProviderLinkTokens';
import { SeveralFactorsPerKind1764000602200 } from './1764000602200-SeveralFactorsPerKind';

/** Every migration, in order. A merged migration is never edited: fix forward with a new one. */
export const migrations = [
  Foundation1763900000000,
  Identity1763900000100,
  ChangeFeed1763900000150,
  Mfa1763900000200,
  Accounts1763900000300,
  NotificationCenter1763900000400,
  Support1763900000500,
  SupportTicketReference1763900000610,
  OutboxRequestId1763900002000,
  OutboxWipeLinks1763900002300,
  DataExports1764000100000,
  DeletionGraceAndConsent1764000200000,
  OutboxWorkers1764000300000,
  MfaUserSummary1764000400000,
  ServiceCredentials1764000500000,
  AccountBilling1764000500100,
  WebhookEndpoints1764000500200,
  AccountNotificationSettings1764000500400,
  ApiKeys1764000600000,
  HostEventTypes1764000600100,
  Passkeys1764000601600,
  ConnectedAccounts1764000602000,
  ProviderLinkTokens1764000602100,
  SeveralFactorsPerKind1764000602200,
];
