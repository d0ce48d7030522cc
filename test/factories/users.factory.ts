import { randomBytes } from 'node:crypto';

import { PasswordHasher } from '@latchkey/core';
import { User } from '@latchkey/users';
import { UsersRepository } from '../../libs/users/src/users.repository';

import { TestApp } from '../setup/test-app';

export const TEST_PASSWORD = 'quiet-harbor-lantern-77';

let cachedHash: string | undefined;

export interface UserOverrides {
  email?: string;
  password?: string;
  displayName?: string;
  staffRole?: 'support' | 'support_lead' | null;
}

export function uniqueEmail(label = 'user'): string {
  return `${label}-${randomBytes(5).toString('hex')}@example.com`;
}

/** A fresh, verified user straight in the database (no emails), one per test. */
export async function createUser(t: TestApp, overrides: UserOverrides = {}): Promise<User & { password: string }> {
  const hasher = t.app.get(PasswordHasher);
  const password = overrides.password ?? TEST_PASSWORD;
  const passwordHash = password === TEST_PASSWORD ? (cachedHash ??= await hasher.hash(TEST_PASSWORD)) : await hasher.hash(password);
  const now = t.clock.now();
  const user = await t.app.get(UsersRepository).insert({
    email: (overrides.email ?? uniqueEmail()).toLowerCase(),
    displayName: overrides.displayName ?? 'Test User',
    passwordHash,
    emailVerifiedAt: now,
    timezone: 'UTC',
    language: 'en',
    preferences: {},
    staffRole: overrides.staffRole ?? null,
    createdAt: now,
    updatedAt: now,
    passwordChangedAt: now,
  });
  return Object.assign(user, { password });
}

export interface SignedIn {
  token: string;
  csrfToken: string;
  sessionId: string;
  auth: { Authorization: string };
}

/** Signs in over HTTP and returns the bearer token. */
export async function signIn(t: TestApp, email: string, password = TEST_PASSWORD): Promise<SignedIn> {
  const res = await t.http().post('/api/v1/auth/login').send({ email, password });
  if (res.status !== 200 || !res.body.session) {
    throw new Error(`Sign-in failed: ${res.status} ${JSON.stringify(res.body)}`);
  }
  return {
    token: res.body.session.token,
    csrfToken: res.body.csrfToken,
    sessionId: res.body.session.id,
    auth: { Authorization: `Bearer ${res.body.session.token}` },
  };
}
