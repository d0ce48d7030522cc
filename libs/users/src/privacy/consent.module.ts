import { MarketingConsent } from '@latchkey/notifications';
import { Global, Module } from '@nestjs/common';

import { SqlMarketingConsent } from './sql-marketing-consent';

/** Fills notifications' MarketingConsent port for the whole app: its consumer (NotificationsModule) sits below users and cannot import it. */
@Global()
@Module({
  providers: [{ provide: MarketingConsent, useClass: SqlMarketingConsent }],
  exports: [MarketingConsent],
})
export class ConsentModule {}
