import { MarketingConsent } from '@latchkey/notifications';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

/**
 * Notifications' MarketingConsent port, from the consent records users owns: the newest
 * marketing record decides; without one there is no consent (opt-in). No dependencies, so the
 * notifications below it can ask without a cycle (consent changes are audited, and audit reaches
 * notifications through the security-event sink).
 */
@Injectable()
export class SqlMarketingConsent implements MarketingConsent {
  async granted(userId: string, m: EntityManager): Promise<boolean> {
    const rows: Array<{ granted: boolean }> = await m.query(
      `SELECT granted FROM consent_records WHERE user_id = $1 AND purpose = 'marketing_email' ORDER BY seq DESC LIMIT 1`,
      [userId],
    );
    return rows[0]?.granted === true;
  }
}
