import type { Principal } from './principal';

/**
 * For staff routes in libs that cannot reach MFA (the notifications dead letters): a required
 * injection token, provided by the auth lib, so a boot without it fails instead of skipping.
 */
export abstract class StaffGate {
  /** 404 for anyone who is not staff (as for an unknown route); 403 STAFF_2FA_REQUIRED for staff without 2FA. */
  abstract assertStaff(principal: Principal): Promise<void>;
}
