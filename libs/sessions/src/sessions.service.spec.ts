import { AuditService } from '@latchkey/audit';
import { AppConfig, ChangeFeed, FakeClock, Metrics, hashToken } from '@latchkey/core';

import { AuthenticatedRow, SessionsRepository } from './sessions.repository';
import { SESSION_TOKEN_PREFIX, SessionsService } from './sessions.service';

const config = { auth: { sessionIdleSeconds: 3600, sessionAbsoluteSeconds: 86_400 } } as AppConfig;
const TOKEN = `${SESSION_TOKEN_PREFIX}${'a'.repeat(43)}`;

type FeedEvent = { kind: 'user'; id: string } | { kind: 'reset' };

function setup(options: { live: boolean }) {
  const clock = new FakeClock();
  clock.set(new Date('2026-11-30T12:00:00Z'));
  const now = clock.now();
  let row: AuthenticatedRow | undefined = {
    session_id: 'session-1',
    user_id: 'user-1',
    email: 'ada@example.com',
    staff_role: null,
    restriction: null,
    reauthenticated_at: now,
    last_active_at: now,
    expires_at: new Date(now.getTime() + 86_400_000),
    revoked_at: null,
  };
  let beforeAnswer: (() => void) | undefined;
  const repo = {
    findForToken: jest.fn(async (hash: string) => {
      expect(hash).toBe(hashToken(TOKEN));
      beforeAnswer?.();
      return row ? { ...row } : undefined;
    }),
    touch: jest.fn(async () => undefined),
    revoke: jest.fn(async () => false),
  };
  const listeners: Array<(e: FeedEvent) => void> = [];
  const feed = {
    live: options.live,
    subscribe: (l: (e: FeedEvent) => void) => {
      listeners.push(l);
      return () => undefined;
    },
    heard: async () => undefined,
  } as unknown as ChangeFeed;
  const audit = { record: jest.fn(async () => undefined) } as unknown as AuditService;
  const metrics = { sessionsRevoked: { inc: jest.fn() } } as unknown as Metrics;
  const sut = new SessionsService(repo as unknown as SessionsRepository, audit, clock, config, feed, metrics);
  return {
    sut,
    repo,
    clock,
    setRow: (r: Partial<AuthenticatedRow> | undefined) => (row = r && row ? { ...row, ...r } : undefined),
    emit: (e: FeedEvent) => listeners.forEach((l) => l(e)),
    duringRead: (fn: (() => void) | undefined) => (beforeAnswer = fn),
  };
}

describe('SessionsService.authenticate', () => {
  it('answers the principal of a live session, as presented', async () => {
    const { sut } = setup({ live: false });
    expect(await sut.authenticate(TOKEN, 'cookie')).toMatchObject({
      userId: 'user-1',
      sessionId: 'session-1',
      email: 'ada@example.com',
      staffRole: null,
      restriction: null,
      via: 'cookie',
    });
  });

  it('does not look up a token that is not a session token, or an oversized one', async () => {
    const { sut, repo } = setup({ live: false });
    expect(await sut.authenticate('lk_pat_abc', 'bearer')).toBeUndefined();
    expect(await sut.authenticate(`${SESSION_TOKEN_PREFIX}${'x'.repeat(200)}`, 'bearer')).toBeUndefined();
    expect(repo.findForToken).not.toHaveBeenCalled();
  });

  it('refuses a revoked, idle or expired session', async () => {
    const revoked = setup({ live: false });
    revoked.setRow({ revoked_at: new Date() });
    expect(await revoked.sut.authenticate(TOKEN, 'bearer')).toBeUndefined();

    const idle = setup({ live: false });
    idle.clock.advance(3600_000 + 1);
    expect(await idle.sut.authenticate(TOKEN, 'bearer')).toBeUndefined();

    const expired = setup({ live: false });
    expired.setRow({ expires_at: new Date(expired.clock.nowMs() - 1), last_active_at: expired.clock.now() });
    expect(await expired.sut.authenticate(TOKEN, 'bearer')).toBeUndefined();
  });

  it('without a live change feed reads the database on every request, so a revocation is seen at once', async () => {
    const { sut, repo, setRow } = setup({ live: false });
    await sut.authenticate(TOKEN, 'cookie');
    setRow({ revoked_at: new Date() });
    expect(await sut.authenticate(TOKEN, 'cookie')).toBeUndefined();
    expect(repo.findForToken).toHaveBeenCalledTimes(2);
  });

  it('with a live feed serves repeats from the cache until the feed says the user changed', async () => {
    const { sut, repo, setRow, emit } = setup({ live: true });
    await sut.authenticate(TOKEN, 'cookie');
    // A repeat from memory is answered at once, without a promise (the guard then needs none either).
    expect(sut.authenticate(TOKEN, 'bearer')).toMatchObject({ sessionId: 'session-1', via: 'bearer' });
    expect(repo.findForToken).toHaveBeenCalledTimes(1);

    setRow({ restriction: 'mfa_setup_required' });
    emit({ kind: 'user', id: 'user-1' });
    expect(await sut.authenticate(TOKEN, 'cookie')).toMatchObject({ restriction: 'mfa_setup_required' });
    expect(repo.findForToken).toHaveBeenCalledTimes(2);

    setRow({ revoked_at: new Date() });
    emit({ kind: 'reset' });
    expect(await sut.authenticate(TOKEN, 'cookie')).toBeUndefined();
  });

  it('does not cache a read that raced a change (the feed spoke while the row was being read)', async () => {
    const { sut, repo, duringRead, emit } = setup({ live: true });
    duringRead(() => emit({ kind: 'user', id: 'user-1' }));
    await sut.authenticate(TOKEN, 'cookie');
    duringRead(undefined);
    await sut.authenticate(TOKEN, 'cookie');
    expect(repo.findForToken).toHaveBeenCalledTimes(2);
  });

  it('a local invalidate (this instance revoked or restricted) drops the cached principal', async () => {
    const { sut, repo } = setup({ live: true });
    await sut.authenticate(TOKEN, 'cookie');
    sut.invalidate('user-1');
    await sut.authenticate(TOKEN, 'cookie');
    expect(repo.findForToken).toHaveBeenCalledTimes(2);
  });

  it('writes last_active_at at most once a minute, once for requests in flight when the minute turns', async () => {
    const { sut, repo, clock } = setup({ live: true });
    await sut.authenticate(TOKEN, 'cookie');
    clock.advance(30_000);
    await sut.authenticate(TOKEN, 'cookie');
    expect(repo.touch).not.toHaveBeenCalled();
    clock.advance(30_000);
    await Promise.all([sut.authenticate(TOKEN, 'cookie'), sut.authenticate(TOKEN, 'cookie'), sut.authenticate(TOKEN, 'cookie')]);
    expect(repo.touch).toHaveBeenCalledTimes(1);
    expect(repo.touch).toHaveBeenCalledWith('session-1', clock.now());
  });

  it('keeps the session idle-timed from its last real activity when the touch fails', async () => {
    const { sut, repo, clock } = setup({ live: true });
    await sut.authenticate(TOKEN, 'cookie');
    clock.advance(60_000);
    repo.touch.mockRejectedValueOnce(new Error('connection lost'));
    await expect(sut.authenticate(TOKEN, 'cookie')).rejects.toThrow('connection lost');
    await sut.authenticate(TOKEN, 'cookie');
    expect(repo.touch).toHaveBeenCalledTimes(2);
  });
});

describe('SessionsService.revoke', () => {
  it("answers 404 for another user's session id, exactly like an unknown one, and audits nothing", async () => {
    const { sut } = setup({ live: false });
    await expect(sut.revoke('user-2', 'session-1')).rejects.toMatchObject({ code: 'SESSION_NOT_FOUND' });
  });
});
