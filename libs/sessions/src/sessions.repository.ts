import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, IsNull, Not, Repository } from 'typeorm';

import { SessionHolderView } from './session-holder.view';
import { Session } from './session.entity';

export interface AuthenticatedRow {
  session_id: string;
  user_id: string;
  email: string;
  staff_role: 'support' | 'support_lead' | null;
  restriction: Session['restriction'];
  reauthenticated_at: Date | null;
  last_active_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
}

@Injectable()
export class SessionsRepository {
  private readonly lookup: string;

  constructor(
    @InjectRepository(Session) private readonly repo: Repository<Session>,
    holder: SessionHolderView,
  ) {
    this.lookup = `SELECT s.id AS session_id, s.user_id, ${holder.columns('u')}, s.restriction, s.reauthenticated_at,
              s.last_active_at, s.expires_at, s.revoked_at
         FROM sessions s ${holder.join('u', 's.user_id')}
        WHERE s.token_hash = $1`;
  }

  private r(manager?: EntityManager) {
    return manager ? manager.getRepository(Session) : this.repo;
  }

  async insert(session: Partial<Session>, manager?: EntityManager): Promise<Session> {
    const result = await this.r(manager).insert(session);
    return { ...session, id: (result.identifiers[0] as { id: string }).id } as Session;
  }

  /** One indexed lookup per request: the session with the few user fields the guard needs (joined through users' SessionHolderView). */
  async findForToken(tokenHash: string): Promise<AuthenticatedRow | undefined> {
    const rows: AuthenticatedRow[] = await this.repo.query(this.lookup, [tokenHash]);
    return rows[0];
  }

  async touch(id: string, at: Date): Promise<void> {
    await this.repo.update({ id }, { lastActiveAt: at });
  }

  listActive(userId: string, now: Date, idleCutoff: Date): Promise<Session[]> {
    return this.repo
      .createQueryBuilder('s')
      .where('s.user_id = :userId AND s.revoked_at IS NULL AND s.expires_at > :now AND s.last_active_at > :idleCutoff', {
        userId,
        now,
        idleCutoff,
      })
      .orderBy('s.last_active_at', 'DESC')
      .getMany();
  }

  findActiveByUser(userId: string, id: string): Promise<Session | null> {
    return this.repo.findOne({ where: { userId, id, revokedAt: IsNull() } });
  }

  async revoke(userId: string, id: string, at: Date, reason: string, manager?: EntityManager): Promise<boolean> {
    const res = await this.r(manager).update({ userId, id, revokedAt: IsNull() }, { revokedAt: at, revokedReason: reason });
    return (res.affected ?? 0) > 0;
  }

  async revokeAllExcept(userId: string, exceptId: string | undefined, at: Date, reason: string, manager?: EntityManager): Promise<number> {
    const where = exceptId ? { userId, revokedAt: IsNull(), id: Not(exceptId) } : { userId, revokedAt: IsNull() };
    const res = await this.r(manager).update(where, { revokedAt: at, revokedReason: reason });
    return res.affected ?? 0;
  }

  async setRestriction(userId: string, id: string, restriction: Session['restriction'], manager?: EntityManager): Promise<void> {
    await this.r(manager).update({ userId, id }, { restriction });
  }

  async markReauthenticated(userId: string, id: string, at: Date): Promise<void> {
    await this.repo.update({ userId, id }, { reauthenticatedAt: at });
  }
}
