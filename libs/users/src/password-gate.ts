import type { User } from './user.entity';

/**
 * The one check of a user's own password outside sign-in (reauth, password change, email change,
 * invitations): provided by the auth lib with the sign-in throttle, lockout and login activity.
 * A required injection token, so a boot without it fails instead of checking passwords bare.
 */
export abstract class PasswordGate {
  /** Throws WRONG_PASSWORD naming `field`, ACCOUNT_LOCKED or TOO_MANY_ATTEMPTS. */
  abstract check(user: User, password: string, field?: string): Promise<void>;
}
