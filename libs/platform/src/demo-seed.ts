import { AccountRole, AccountsService } from '@latchkey/accounts';
import { PasswordHasher } from '@latchkey/core';
import { SeededTotp } from '@latchkey/mfa';
import { seedDemoTickets } from '@latchkey/support';
import { UsersService } from '@latchkey/users';
import { INestApplicationContext } from '@nestjs/common';
import { DataSource } from 'typeorm';

export const DEMO_PASSWORD = 'violet-anchor-tundra-42';
/** The member's authenticator secret (base32, 160 bits): add it to an authenticator app by hand. */
export const DEMO_MEMBER_TOTP_SECRET = 'JBSWY3DPEHPK3PXPMFQWS3DMN5XXE43U';
/** Staff must use 2FA to reach the desk: the demo agent's and lead's authenticator secrets. */
export const DEMO_STAFF_TOTP_SECRETS: Record<string, string> = {
  'support@demo.latchkey.dev': 'KRUGKIDROVUWG2ZAMJZG653OEBTG66BA',
  'lead@demo.latchkey.dev': 'NNSWK4DTMVRXE2LUONQWMZLMN5XGOZLS',
};

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
  /** Role in the demo account "Acme Demo". */
  accountRole?: AccountRole;
}

export const DEMO_ACCOUNT_NAME = 'Acme Demo';

const DEMO_USERS: DemoUser[] = [
  { email: 'owner@demo.latchkey.dev', displayName: 'Olivia Owner', role: 'account owner', accountRole: AccountRole.Owner },
  { email: 'admin@demo.latchkey.dev', displayName: 'Adam Admin', role: 'account admin', accountRole: AccountRole.Admin },
  { email: 'member@demo.latchkey.dev', displayName: 'Mia Member', role: 'member', accountRole: AccountRole.Member },
  { email: 'viewer@demo.latchkey.dev', displayName: 'Victor Viewer', role: 'viewer', accountRole: AccountRole.Viewer },
  { email: 'support@demo.latchkey.dev', displayName: 'Sam Support', role: 'support agent', staffRole: 'support' },
  { email: 'lead@demo.latchkey.dev', displayName: 'Lee Lead', role: 'support lead', staffRole: 'support_lead' },
];

/** Seeds the demo idempotently: run it on every start, on any database, and it only fills gaps. */
export async function seedDemo(app: INestApplicationContext): Promise<DemoSignIn[]> {
  const users = app.get(UsersService);
  const hasher = app.get(PasswordHasher);
  const signIns: DemoSignIn[] = [];
  let hash: string | undefined;
  for (const demo of DEMO_USERS) {
    const existing = await users.findByEmail(demo.email);
    if (!existing) {
      hash ??= await hasher.hash(DEMO_PASSWORD);
      await users.createConfirmed({
        email: demo.email,
        displayName: demo.displayName,
        passwordHash: hash,
        staffRole: demo.staffRole ?? null,
      });
    }
    const totpSecret = demo.email === 'member@demo.latchkey.dev' ? DEMO_MEMBER_TOTP_SECRET : DEMO_STAFF_TOTP_SECRETS[demo.email];
    if (totpSecret) {
      const user = await users.findByEmail(demo.email);
      if (user) {
        await app.get(SeededTotp).ensureConfirmed(user.id, totpSecret);
      }
      signIns.push({ email: demo.email, role: demo.role, note: `TOTP secret: ${totpSecret}` });
      continue;
    }
    signIns.push({ email: demo.email, role: demo.role });
  }
  await seedDemoAccount(app);
  await seedDemoTickets(app);
  return signIns;
}

/**
 * "Acme Demo" with one member per role. The members report shows both kinds: the member has
 * TOTP (compliant), the others have no factor yet. require2fa stays off so every demo sign-in works.
 */
async function seedDemoAccount(app: INestApplicationContext): Promise<void> {
  const users = app.get(UsersService);
  const accounts = app.get(AccountsService);
  const owner = await users.findByEmail('owner@demo.latchkey.dev');
  if (!owner) {
    return;
  }
  await app.get(DataSource).transaction(async (m) => {
    const members: Array<{ userId: string; role: AccountRole }> = [];
    for (const demo of DEMO_USERS.filter((d) => d.accountRole)) {
      const user = await users.findByEmail(demo.email, m);
      if (user) {
        members.push({ userId: user.id, role: demo.accountRole! });
      }
    }
    await accounts.ensureAccount(DEMO_ACCOUNT_NAME, owner.id, members, m);
  });
}
