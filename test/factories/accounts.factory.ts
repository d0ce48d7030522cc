import { AccountRole } from '@latchkey/accounts';
import { AccountsRepository } from '../../libs/accounts/src/accounts.repository';
import { DataSource } from 'typeorm';

import { TestApp } from '../setup/test-app';
import { SignedIn, createUser, signIn } from './users.factory';

export interface Member {
  id: string;
  email: string;
  password: string;
  role: AccountRole | 'none';
  session: SignedIn;
}

export interface AccountWithTeam {
  accountId: string;
  owner: Member;
  admin: Member;
  member: Member;
  viewer: Member;
  outsider: Member;
}

/** Adds a membership straight in the database. */
export async function addMember(t: TestApp, accountId: string, userId: string, role: AccountRole): Promise<void> {
  await t.app.get(DataSource).transaction(async (m) => {
    await t.app.get(AccountsRepository).insertMembership(accountId, userId, role, t.clock.now(), m);
  });
}

/** A fresh account created over HTTP by a fresh owner, plus one signed-in user per role and an outsider. */
export async function createAccountWithTeam(t: TestApp, name = 'Team Account'): Promise<AccountWithTeam> {
  const make = async (role: AccountRole | 'none'): Promise<Member> => {
    const user = await createUser(t, { displayName: `The ${role}` });
    return { id: user.id, email: user.email, password: user.password, role, session: await signIn(t, user.email) };
  };
  const owner = await make(AccountRole.Owner);
  const res = await t.http().post('/api/v1/accounts').set(owner.session.auth).send({ name });
  if (res.status !== 201 && res.status !== 200) {
    throw new Error(`Account creation failed: ${res.status} ${JSON.stringify(res.body)}`);
  }
  const accountId = res.body.id as string;
  const [admin, member, viewer, outsider] = await Promise.all([
    make(AccountRole.Admin),
    make(AccountRole.Member),
    make(AccountRole.Viewer),
    make('none'),
  ]);
  for (const m of [admin, member, viewer]) {
    await addMember(t, accountId, m.id, m.role as AccountRole);
  }
  return { accountId, owner, admin, member, viewer, outsider };
}
