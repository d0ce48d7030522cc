import type { EntityManager } from 'typeorm';

/**
 * The port notifications ask before writing a marketing event: has the user agreed to marketing
 * mail? libs/users provides it (consent records are its table; users sits above notifications, so
 * it fills this port rather than being imported). Required: without a provider the app does not boot.
 */
export abstract class MarketingConsent {
  /** The newest consent record decides, read in the caller's transaction; without one there is no consent (opt-in). */
  abstract granted(userId: string, m: EntityManager): Promise<boolean>;
}
