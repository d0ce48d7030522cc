import { PasswordHasher } from '@latchkey/core';
import { UsersRepository } from '@latchkey/users';
import { INestApplicationContext } from '@nestjs/common';

export const DEMO_PASSWORD = 'violet-anchor-tundra-42';

export interface DemoSignIn {
  email: string;
  role: string;
  note?: string;
}

interface DemoUser {
  email: string;
  displayName: string;
  staffRole?: 'support' | 'support_lead';
  role: string;
}

const DEMO_USERS: DemoUser[] = [
  { email: 'owner@demo.latchkey.dev', displayName: 'Olivia Owner', role: 'account owner' },
  { email: 'admin@demo.latchkey.dev', displayName: 'Adam Admin', role: 'account admin' },
  { email: 'member@demo.latchkey.dev', displayName: 'Mia Member', role: 'member' },
  { email: 'viewer@demo.latchkey.dev', displayName: 'Victor Viewer', role: 'viewer' },
  { email: 'support@demo.latchkey.dev', displayName: 'Sam Support', role: 'support agent', staffRole: 'support' },
  { email: 'lead@demo.latchkey.dev', displayName: 'Lee Lead', role: 'support lead', staffRole: 'support_lead' },
];

/** Seeds the demo idempotently: run it on every start, on any database, and it only fills gaps. */
export async function seedDemo(app: INestApplicationContext): Promise<DemoSignIn[]> {
  const users = app.get(UsersRepository);
  const hasher = app.get(PasswordHasher);
  const signIns: DemoSignIn[] = [];
  let hash: string | undefined;
  for (const demo of DEMO_USERS) {
    const existing = await users.findByEmail(demo.email);
    if (!existing) {
      hash ??= await hasher.hash(DEMO_PASSWORD);
      const now = new Date();
      await users.insert({
        email: demo.email,
        displayName: demo.displayName,
        passwordHash: hash,
        emailVerifiedAt: now,
        timezone: 'UTC',
        language: 'en',
        preferences: {},
        staffRole: demo.staffRole ?? null,
        createdAt: now,
        updatedAt: now,
        passwordChangedAt: now,
      });
    }
    signIns.push({ email: demo.email, role: demo.role });
  }
  return signIns;
}
