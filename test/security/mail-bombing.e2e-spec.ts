import { createAccountWithTeam } from '../factories/accounts.factory';
import { createUser, uniqueEmail } from '../factories/users.factory';
import { TestApp, createTestApp } from '../setup/test-app';

const FORGOT = '/api/v1/auth/password/forgot';
const REGISTER = '/api/v1/auth/register';

describe('No mail bombing: every mail a stranger can trigger is capped per address and per IP, the same for unknown addresses', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: { MAIL_PER_ADDRESS_HOURLY: '5', SIGNUP_PER_IP_HOURLY: '4' } });
  });

  afterAll(async () => {
    await t?.close();
  });

  it('15 forgot requests for one address deliver at most 5 mails; the rest get 429 with Retry-After, exactly as for an unknown address', async () => {
    const user = await createUser(t);
    const unknown = uniqueEmail('nobody');
    const answers = async (email: string) => {
      const out: string[] = [];
      for (let i = 0; i < 15; i++) {
        const res = await t.http().post(FORGOT).send({ email });
        if (res.status === 429) {
          expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
          expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
          expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(3600);
        }
        out.push(`${res.status} ${res.body.code ?? res.body.status}`);
      }
      return out;
    };
    const known = await answers(user.email);
    const stranger = await answers(unknown);
    expect(known).toEqual(stranger);
    expect(known.filter((a) => a.startsWith('202'))).toHaveLength(5);
    expect(known.slice(5).every((a) => a.startsWith('429'))).toBe(true);
    await t.settle();
    expect(t.mail.to(user.email)).toHaveLength(5);
    expect(t.mail.to(unknown)).toHaveLength(0);
    // Another address is not held back by this one.
    const other = await createUser(t);
    await t.http().post(FORGOT).send({ email: other.email }).expect(202);
    await t.settle();
    expect(t.mail.to(other.email)).toHaveLength(1);
  });

  it('a burst of sign-ups from one IP is capped, and a taken address counts like a new one', async () => {
    const taken = await createUser(t);
    const statuses: number[] = [];
    for (const email of [
      taken.email,
      uniqueEmail('burst'),
      uniqueEmail('burst'),
      uniqueEmail('burst'),
      uniqueEmail('burst'),
      uniqueEmail('burst'),
    ]) {
      const res = await t.http().post(REGISTER).send({ email, password: 'amber-glacier-orbit-19', displayName: 'Burst' });
      statuses.push(res.status);
      if (res.status === 429) {
        expect(res.body.code).toBe('RATE_LIMITED');
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      }
    }
    expect(statuses).toEqual([202, 202, 202, 202, 429, 429]);
    const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM users WHERE display_name = 'Burst'`);
    expect(n).toBe(3);
  });

  it('invitations to one address are capped, so an account cannot be used to bomb a stranger', async () => {
    const team = await createAccountWithTeam(t);
    const target = uniqueEmail('target');
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await t
        .http()
        .post(`/api/v1/accounts/${team.accountId}/invitations`)
        .set(team.owner.session.auth)
        .send({ email: target, role: 'member' });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([201, 201, 201, 201, 201, 429, 429]);
    await t.settle();
    expect(t.mail.to(target)).toHaveLength(5);
  });

  it('mails asked for from one IP are capped across addresses', async () => {
    const capped = await createTestApp({ env: { MAIL_PER_IP_HOURLY: '3' } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        statuses.push(
          (
            await capped
              .http()
              .post(FORGOT)
              .send({ email: uniqueEmail('spray') })
          ).status,
        );
      }
      expect(statuses).toEqual([202, 202, 202, 429, 429]);
    } finally {
      await capped.close();
    }
  });
});
