import { AuditAction, AuditService } from '@latchkey/audit';
import { APP_CONFIG, AppConfig, BackgroundTasks, ChangeFeed, Clock, Links, MailCaps, PasswordHasher, RateLimitStore } from '@latchkey/core';
import { NotificationsService } from '@latchkey/notifications';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

import { PendingEmailDto, UpdateProfileDto, UserDto } from './dto/user.dto';
import { PasswordGate } from './password-gate';
import { checkPassword } from './password-policy';
import { User } from './user.entity';
import { UserTokensService } from './user-tokens.service';
import { usersError } from './users.exception';
import { UsersRepository } from './users.repository';

const VERIFY_TTL_MS = 48 * 3600_000;
const EMAIL_CHANGE_TTL_MS = 24 * 3600_000;
const AVATAR_MAX = 2 * 1024 * 1024;
const EMAIL_RESENDS_PER_HOUR = 3;

function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

@Injectable()
export class UsersService {
  /**
   * GET /me's answer per user, as the JSON text it is sent as: trusted only while the change feed
   * is live (any UPDATE on users evicts). Kept as text because building the DTO and serialising it
   * again on every request cost about as much as the rest of the route beyond the session check.
   */
  private readonly profileCache = new Map<string, string>();
  private generation = 0;

  constructor(
    private readonly users: UsersRepository,
    private readonly tokens: UserTokensService,
    private readonly hasher: PasswordHasher,
    private readonly notifications: NotificationsService,
    private readonly audit: AuditService,
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly feed: ChangeFeed,
    private readonly links: Links,
    private readonly rateLimits: RateLimitStore,
    private readonly passwordGate: PasswordGate,
    private readonly mailCaps: MailCaps,
    private readonly background: BackgroundTasks,
  ) {
    this.feed.subscribe((event) => {
      this.generation++;
      if (event.kind === 'reset') {
        this.profileCache.clear();
      } else {
        this.profileCache.delete(event.id);
      }
    });
  }

  private evict(userId: string): void {
    this.generation++;
    this.profileCache.delete(userId);
  }

  /** For changes to the user row made outside this service (e.g. a scheduled deletion): this instance reads it afresh at once; others hear it from the change feed. */
  forgetProfile(userId: string): void {
    this.evict(userId);
  }

  /**
   * The profile as GET /me sends it (the JSON of toDto): from memory when the feed is live, then
   * without a promise, since a cached answer needs none (each costs the request context's hooks).
   */
  profileJson(userId: string): string | Promise<string> {
    const cached = this.feed.live ? this.profileCache.get(userId) : undefined;
    return cached ?? this.loadProfileJson(userId);
  }

  private async loadProfileJson(userId: string): Promise<string> {
    const generation = this.generation;
    const json = JSON.stringify(this.toDto(await this.get(userId)));
    if (this.feed.live && generation === this.generation) {
      if (this.profileCache.size > 50_000) {
        this.profileCache.clear();
      }
      this.profileCache.set(userId, json);
    }
    return json;
  }

  toDto(user: User): UserDto {
    return {
      id: user.id,
      email: user.email,
      emailVerified: user.emailVerifiedAt !== null,
      displayName: user.displayName,
      phone: user.phone,
      timezone: user.timezone,
      language: user.language,
      company: user.company,
      bio: user.bio,
      preferences: { theme: 'system', compactMode: false, dateFormat: 'YYYY-MM-DD', timeFormat: '24h', ...user.preferences },
      avatarUrl: user.avatarVersion ? `/api/v1/users/${user.id}/avatar?v=${user.avatarVersion}` : null,
      staffRole: user.staffRole,
      createdAt: user.createdAt.toISOString(),
      deletionScheduledFor: user.deletionScheduledFor?.toISOString() ?? null,
    };
  }

  async get(userId: string): Promise<User> {
    const user = await this.users.findById(userId);
    if (!user) {
      throw usersError('USER_NOT_FOUND', 'No such user.');
    }
    return user;
  }

  findByEmail(email: string, manager?: EntityManager): Promise<User | null> {
    return this.users.findByEmail(normaliseEmail(email), manager);
  }

  /** The user, or null for a caller that answers its own "not found". */
  findById(userId: string, manager?: EntityManager): Promise<User | null> {
    return this.users.findById(userId, manager);
  }

  /** Names and emails of the given users, for lists that name people; deleted users are simply absent. */
  findRefs(ids: Array<string | null | undefined>): Promise<Map<string, { id: string; email: string; displayName: string }>> {
    return this.users.findRefs(ids);
  }

  /** Staff search over every user: newest first, by email or name, one keyset page (`limit + 1` rows). */
  search(q: string | undefined, limit: number, after?: { at: string; id: string }): Promise<User[]> {
    return this.users.search(q, limit, after);
  }

  /** Every support agent and lead (operational alerts). */
  listStaff(): Promise<User[]> {
    return this.users.listStaff();
  }

  /** Grants or withdraws a staff role (the CLI, run by an operator on the host). */
  async setStaffRole(userId: string, role: User['staffRole']): Promise<void> {
    await this.users.setStaffRole(userId, role);
    this.evict(userId);
  }

  /**
   * Creates a user whose address is already confirmed (an invitation link that reached the inbox,
   * the demo seed), in the caller's transaction; null when the address is taken.
   */
  async createConfirmed(
    input: { email: string; displayName: string; passwordHash: string; staffRole?: User['staffRole'] },
    manager?: EntityManager,
  ): Promise<User | null> {
    const now = this.clock.now();
    const user = await this.users.insert(
      {
        email: input.email,
        displayName: input.displayName,
        passwordHash: input.passwordHash,
        emailVerifiedAt: now,
        timezone: 'UTC',
        language: 'en',
        preferences: {},
        staffRole: input.staffRole ?? null,
        createdAt: now,
        updatedAt: now,
        passwordChangedAt: now,
      },
      manager,
    );
    return user ?? null;
  }

  /** The user row locked for the rest of the caller's transaction (deletion scheduling and erasure). */
  /** For the deletion sweep: the ids of up to `limit` users whose deletion date has come, soonest first. */
  dueForDeletion(dueBy: Date, limit: number): Promise<string[]> {
    return this.users.dueForDeletion(dueBy, limit);
  }

  lockForUpdate(userId: string, m: EntityManager, opts: { dueBy?: Date; skipLocked?: boolean } = {}): Promise<User | null> {
    return this.users.lock(userId, m, opts);
  }

  /** Stores a new password hash (already checked and hashed by auth), in the caller's transaction. */
  async setPasswordHash(userId: string, passwordHash: string, m: EntityManager): Promise<void> {
    const now = this.clock.now();
    await this.users.update(userId, { passwordHash, passwordChangedAt: now, updatedAt: now }, m);
    this.evict(userId);
  }

  /** Sets or clears the date the user's erasure is due, in the caller's transaction. */
  async setDeletionDate(userId: string, at: Date | null, m: EntityManager): Promise<void> {
    await this.users.update(userId, { deletionScheduledFor: at }, m);
    this.evict(userId);
  }

  /** Deletes the user row (sessions, factors, tokens, memberships... cascade), in the caller's transaction, after the erasure parts ran. */
  async deleteRow(userId: string, m: EntityManager): Promise<void> {
    await this.users.delete(userId, m);
    this.evict(userId);
  }

  assertPassword(password: string, email: string | undefined, field: string): void {
    const problem = checkPassword(password, email, field);
    if (problem) {
      throw usersError('WEAK_PASSWORD', `Invalid field(s): ${field}. The password ${problem.message}.`, { errors: [problem] });
    }
  }

  /**
   * Always answers the same way in the same time: a taken address gets no second account and no
   * hint. Both paths hash the password and try the insert; the verification mail and the audit
   * entry of a new user are written after the answer, so they cannot be timed.
   */
  async register(input: { email: string; password: string; displayName: string }, ip?: string): Promise<void> {
    if (!this.config.auth.registrationEnabled) {
      throw usersError('REGISTRATION_CLOSED', 'Sign-up is turned off; ask an account owner for an invitation.');
    }
    const email = normaliseEmail(input.email);
    this.assertPassword(input.password, email, 'password');
    await this.mailCaps.check('sign_up', email, ip);
    const passwordHash = await this.hasher.hash(input.password);
    const now = this.clock.now();
    const user = await this.users.insert({
      email,
      passwordHash,
      displayName: input.displayName.trim(),
      timezone: 'UTC',
      language: 'en',
      preferences: {},
      createdAt: now,
      updatedAt: now,
      passwordChangedAt: now,
    });
    if (!user) {
      // The new-user path reads the row back after its insert: read once here too, for the same time.
      await this.users.findByEmail(email);
      return;
    }
    this.background.run('register', () =>
      this.dataSource.transaction(async (m) => {
        await this.sendVerification(user, m);
        await this.audit.record({ action: AuditAction.UserRegistered, actorUserId: user.id, subjectUserId: user.id }, m);
      }),
    );
  }

  /**
   * A new user through a sign-in provider (connected accounts): no password (one can be set later
   * through the reset flow), the address the provider verified counts as verified. Undefined when
   * the address is taken meanwhile. The caller decided registration is open and writes the link
   * in the same transaction.
   */
  async registerFromProvider(input: { email: string; displayName: string; provider: string }, m: EntityManager): Promise<User | undefined> {
    if (!this.config.auth.registrationEnabled) {
      throw usersError('REGISTRATION_CLOSED', 'Sign-up is turned off; ask an account owner for an invitation.');
    }
    const now = this.clock.now();
    const email = normaliseEmail(input.email);
    const user = await this.users.insert(
      {
        email,
        emailVerifiedAt: now,
        passwordHash: null,
        displayName: input.displayName.trim().slice(0, 100) || email.split('@')[0],
        timezone: 'UTC',
        language: 'en',
        preferences: {},
        createdAt: now,
        updatedAt: now,
        passwordChangedAt: null,
      },
      m,
    );
    if (!user) {
      return undefined;
    }
    await this.audit.record(
      { action: AuditAction.UserRegistered, actorUserId: user.id, subjectUserId: user.id, metadata: { provider: input.provider } },
      m,
    );
    return user;
  }

  async sendVerification(user: User, manager: EntityManager): Promise<void> {
    const token = await this.tokens.issue(user.id, 'verify_email', VERIFY_TTL_MS, { email: user.email }, manager);
    await this.notifications.notify(
      {
        event: 'auth.verify_email',
        to: { userId: user.id, email: user.email, name: user.displayName, locale: user.language },
        data: { link: this.links.build('verify_email', token), validHours: VERIFY_TTL_MS / 3600_000 },
      },
      manager,
    );
  }

  async verifyEmail(token: string): Promise<void> {
    const userId = await this.dataSource.transaction(async (m) => {
      const used = await this.tokens.consume('verify_email', token, m);
      const user = used ? await this.users.findById(used.userId, m) : null;
      if (!used || !user || normaliseEmail(String(used.data.email)) !== normaliseEmail(user.email)) {
        throw usersError('INVALID_TOKEN', 'This link is invalid or has expired.', {
          errors: [{ field: 'token', message: 'is invalid or expired' }],
        });
      }
      await this.users.update(user.id, { emailVerifiedAt: this.clock.now(), updatedAt: this.clock.now() }, m);
      await this.audit.record({ action: AuditAction.EmailVerified, actorUserId: user.id, subjectUserId: user.id }, m);
      return user.id;
    });
    this.evict(userId);
  }

  async updateProfile(userId: string, patch: UpdateProfileDto): Promise<User> {
    const user = await this.get(userId);
    const changes: Partial<User> = {};
    const changed: string[] = [];
    for (const key of ['displayName', 'phone', 'timezone', 'language', 'company', 'bio'] as const) {
      if (patch[key] !== undefined) {
        (changes as Record<string, unknown>)[key] = typeof patch[key] === 'string' ? (patch[key] as string).trim() : patch[key];
        changed.push(key);
      }
    }
    if (patch.preferences) {
      changes.preferences = {
        ...user.preferences,
        ...Object.fromEntries(Object.entries(patch.preferences).filter(([, v]) => v !== undefined)),
      };
      changed.push('preferences');
    }
    if (changed.length > 0) {
      await this.dataSource.transaction(async (m) => {
        await this.users.update(userId, { ...changes, updatedAt: this.clock.now() }, m);
        await this.audit.record(
          { action: AuditAction.ProfileUpdated, actorUserId: userId, subjectUserId: userId, metadata: { fields: changed } },
          m,
        );
      });
      this.evict(userId);
    }
    return this.get(userId);
  }

  /** Accepts PNG, JPEG or WebP recognised by their magic bytes, never by the declared type. */
  async setAvatar(userId: string, data: Buffer): Promise<User> {
    if (data.length > AVATAR_MAX) {
      throw usersError('AVATAR_TOO_LARGE', 'The image is larger than 2 MB.', {
        errors: [{ field: 'file', message: 'is larger than 2 MB' }],
      });
    }
    const contentType = sniffImage(data);
    if (!contentType) {
      throw usersError('AVATAR_INVALID', 'Upload a PNG, JPEG or WebP image.', {
        errors: [{ field: 'file', message: 'is not a PNG, JPEG or WebP image' }],
      });
    }
    const user = await this.get(userId);
    await this.users.saveAvatar({ userId, contentType, data, updatedAt: this.clock.now() });
    await this.users.update(userId, { avatarVersion: (user.avatarVersion ?? 0) + 1, updatedAt: this.clock.now() });
    this.evict(userId);
    await this.audit.record({
      action: AuditAction.AvatarUpdated,
      actorUserId: userId,
      subjectUserId: userId,
      metadata: { contentType, bytes: data.length },
    });
    return this.get(userId);
  }

  async getAvatar(userId: string) {
    const avatar = await this.users.findAvatar(userId);
    if (!avatar) {
      throw usersError('USER_NOT_FOUND', 'No avatar.');
    }
    return avatar;
  }

  /**
   * Needs the password. The confirmation goes to the new address; the old one is told and keeps
   * working until then. A taken address gets a different email (to the new address only) and
   * the same answer, so the caller learns nothing about who has it.
   */
  async requestEmailChange(userId: string, newEmailRaw: string, password: string): Promise<void> {
    const user = await this.get(userId);
    const newEmail = normaliseEmail(newEmailRaw);
    await this.passwordGate.check(user, password, 'password');
    if (newEmail === normaliseEmail(user.email)) {
      throw usersError('SAME_EMAIL', 'That is already your address.', {
        errors: [{ field: 'newEmail', message: 'is already your address' }],
      });
    }
    const mail = await this.dataSource.transaction(async (m) => {
      const confirmMail = await this.issueEmailChange(user, newEmail, m);
      await this.notifications.notify(
        {
          event: 'security.email_changed',
          to: { userId: user.id, email: user.email, name: user.displayName, locale: user.language },
          data: { newEmail, completed: false },
        },
        m,
      );
      await this.audit.record({ action: AuditAction.EmailChangeRequested, actorUserId: user.id, subjectUserId: user.id }, m);
      return confirmMail;
    });
    this.background.run('email-change', mail);
  }

  /**
   * A taken address gets a token too, one that is never mailed: the pending change then looks
   * the same for any address, and it can never complete (confirm refuses taken addresses). The
   * returned task mails the link, and is run after the answer so the answer's time is the same.
   */
  private async issueEmailChange(user: User, newEmail: string, m: EntityManager): Promise<() => Promise<void>> {
    const token = await this.tokens.issue(user.id, 'email_change', EMAIL_CHANGE_TTL_MS, { newEmail }, m);
    return async () => {
      if (await this.users.findByEmail(newEmail)) {
        return;
      }
      await this.notifications.notify({
        event: 'auth.email_change_confirm',
        to: { userId: user.id, email: newEmail, name: user.displayName, locale: user.language },
        data: { newEmail, link: this.links.build('confirm_email_change', token) },
      });
    };
  }

  async pendingEmailChange(userId: string): Promise<PendingEmailDto | null> {
    const live = await this.tokens.findLive(userId, 'email_change');
    return live
      ? { newEmail: String(live.data.newEmail), requestedAt: live.createdAt.toISOString(), expiresAt: live.expiresAt.toISOString() }
      : null;
  }

  /** A fresh link to the same new address (the previous link stops working), at most 3 an hour. */
  async resendEmailChange(userId: string): Promise<void> {
    const user = await this.get(userId);
    const live = await this.tokens.findLive(userId, 'email_change');
    if (!live) {
      throw usersError('NO_PENDING_EMAIL_CHANGE', 'No email change is waiting for confirmation.');
    }
    const now = this.clock.nowMs();
    const hit = await this.rateLimits.hit(`email-change-resend:${userId}`, 3600_000, now);
    if (hit.count > EMAIL_RESENDS_PER_HOUR) {
      throw usersError('TOO_MANY_RESENDS', 'The link was sent several times already: try again later.', {
        retryAfterSeconds: Math.max(1, Math.ceil((hit.resetAt - now) / 1000)),
      });
    }
    const newEmail = String(live.data.newEmail);
    const mail = await this.dataSource.transaction(async (m) => {
      const confirmMail = await this.issueEmailChange(user, newEmail, m);
      await this.audit.record({ action: AuditAction.EmailChangeResent, actorUserId: userId, subjectUserId: userId }, m);
      return confirmMail;
    });
    this.background.run('email-change-resend', mail);
  }

  /** Voids the link; the current address stays. */
  async cancelEmailChange(userId: string): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      const live = await this.tokens.findLive(userId, 'email_change', m);
      if (!live) {
        throw usersError('NO_PENDING_EMAIL_CHANGE', 'No email change is waiting for confirmation.');
      }
      await this.tokens.voidAll(userId, 'email_change', m);
      await this.audit.record(
        {
          action: AuditAction.EmailChangeCancelled,
          actorUserId: userId,
          subjectUserId: userId,
          metadata: { newEmail: live.data.newEmail },
        },
        m,
      );
    });
  }

  async confirmEmailChange(token: string): Promise<User> {
    const userId = await this.dataSource.transaction(async (m) => {
      const used = await this.tokens.consume('email_change', token, m);
      const user = used ? await this.users.findById(used.userId, m) : null;
      const newEmail = used ? String(used.data.newEmail) : '';
      if (!used || !user) {
        throw usersError('INVALID_TOKEN', 'This link is invalid or has expired.', {
          errors: [{ field: 'token', message: 'is invalid or expired' }],
        });
      }
      if (await this.users.findByEmail(newEmail, m)) {
        throw usersError('INVALID_TOKEN', 'This link is invalid or has expired.', {
          errors: [{ field: 'token', message: 'is invalid or expired' }],
        });
      }
      const oldEmail = user.email;
      const now = this.clock.now();
      await this.users.update(user.id, { email: newEmail, emailVerifiedAt: now, updatedAt: now }, m);
      await this.notifications.notify(
        {
          event: 'security.email_changed',
          to: { userId: user.id, email: oldEmail, name: user.displayName, locale: user.language },
          data: { newEmail, completed: true },
        },
        m,
      );
      await this.audit.record(
        { action: AuditAction.EmailChanged, actorUserId: user.id, subjectUserId: user.id, metadata: { from: oldEmail, to: newEmail } },
        m,
      );
      return user.id;
    });
    this.evict(userId);
    return this.get(userId);
  }
}

export function sniffImage(data: Buffer): string | undefined {
  if (data.length >= 8 && data.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) {
    return 'image/png';
  }
  if (data.length >= 3 && data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) {
    return 'image/jpeg';
  }
  if (data.length >= 12 && data.toString('ascii', 0, 4) === 'RIFF' && data.toString('ascii', 8, 12) === 'WEBP') {
    return 'image/webp';
  }
  return undefined;
}
