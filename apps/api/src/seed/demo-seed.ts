import { PasswordHasher } from '@latchkey/core';
import { MfaService } from '@latchkey/mfa';
import { UsersRepository } from '@latchkey/users';
import { INestApplicationContext } from '@nestjs/common';

export const DEMO_PASSWORD = 'violet-anchor-tundra-42';
/** The member's authenticator secret (base32, 160 bits): add it to an authenticator app by hand. */
export const DEMO_MEMBER_TOTP_SECRET = 'JBSWY3DPEHPK3PXPMFQWS3DMN5XXE43U';

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
    if (demo.email === 'member@demo.latchkey.dev') {
      const member = await users.findByEmail(demo.email);
      if (member) {
        await app.get(MfaService).ensureConfirmedTotp(member.id, DEMO_MEMBER_TOTP_SECRET);
      }
      signIns.push({ email: demo.email, role: demo.role, note: `TOTP secret: ${DEMO_MEMBER_TOTP_SECRET}` });
      continue;
    }
    signIns.push({ email: demo.email, role: demo.role });
  }
  return signIns;
}
