import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, In, Repository } from 'typeorm';

import { UserAvatar } from './user-avatar.entity';
import { User } from './user.entity';

@Injectable()
export class UsersRepository {
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    @InjectRepository(UserAvatar) private readonly avatars: Repository<UserAvatar>,
  ) {}

  private repo(manager?: EntityManager) {
    return manager ? manager.getRepository(User) : this.users;
  }

  findById(id: string, manager?: EntityManager): Promise<User | null> {
    return this.repo(manager).findOne({ where: { id } });
  }

  /** Names and emails of the given users, for lists that name people; deleted users are simply absent. */
  async findRefs(ids: Array<string | null | undefined>): Promise<Map<string, { id: string; email: string; displayName: string }>> {
    const wanted = [...new Set(ids.filter((id): id is string => typeof id === 'string'))];
    if (wanted.length === 0) {
      return new Map();
    }
    const rows = await this.users.find({ where: { id: In(wanted) }, select: { id: true, email: true, displayName: true } });
    return new Map(rows.map((u) => [u.id, { id: u.id, email: u.email, displayName: u.displayName }]));
  }

  findByEmail(email: string, manager?: EntityManager): Promise<User | null> {
    return this.repo(manager).createQueryBuilder('u').where('lower(u.email) = lower(:email)', { email }).getOne();
  }

  async insert(user: Partial<User>, manager?: EntityManager): Promise<User> {
    const result = await this.repo(manager).createQueryBuilder().insert().values(user).orIgnore().returning('*').execute();
    const id = (result.raw as Array<{ id: string }>)[0]?.id;
    return id ? ((await this.findById(id, manager)) as User) : (undefined as unknown as User);
  }

  async update(id: string, patch: Partial<User>, manager?: EntityManager): Promise<void> {
    await this.repo(manager).update({ id }, patch);
  }

  /** Every support agent and lead (operational alerts). */
  listStaff(): Promise<User[]> {
    return this.users.createQueryBuilder('u').where('u.staff_role IS NOT NULL').getMany();
  }

  /** Staff search: newest first, by email or name, one keyset page (`limit + 1` rows, to know if more follow). */
  search(q: string | undefined, limit: number, after?: { at: string; id: string }): Promise<User[]> {
    const qb = this.users
      .createQueryBuilder('u')
      .orderBy('u.created_at', 'DESC')
      .addOrderBy('u.id', 'DESC')
      .limit(limit + 1);
    if (q) {
      const like = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      qb.where('(u.email ILIKE :like OR u.display_name ILIKE :like)', { like });
    }
    if (after) {
      qb.andWhere('(u.created_at, u.id) < (:at, :id)', { at: after.at, id: after.id });
    }
    return qb.getMany();
  }

  /** The user row, locked for the rest of the transaction; `skipLocked` passes over one another transaction holds. */
  async lock(id: string, m: EntityManager, opts: { dueBy?: Date; skipLocked?: boolean } = {}): Promise<User | null> {
    const qb = m.getRepository(User).createQueryBuilder('u').setLock('pessimistic_write').where('u.id = :id', { id });
    if (opts.skipLocked) {
      qb.setOnLocked('skip_locked');
    }
    if (opts.dueBy) {
      qb.andWhere('u.deletion_scheduled_for <= :dueBy', { dueBy: opts.dueBy });
    }
    return (await qb.getMany())[0] ?? null;
  }

  /** Ids of users whose deletion date is at or before `dueBy`, soonest first (the deletion_scheduled_for index). */
  async dueForDeletion(dueBy: Date, limit: number): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.users.query(
      `SELECT id FROM users WHERE deletion_scheduled_for <= $1 ORDER BY deletion_scheduled_for LIMIT ${Number(limit)}`,
      [dueBy],
    );
    return rows.map((r) => r.id);
  }

  async delete(id: string, m: EntityManager): Promise<void> {
    await m.getRepository(User).delete({ id });
  }

  async setStaffRole(id: string, role: User['staffRole']): Promise<void> {
    await this.users.update({ id }, { staffRole: role });
  }

  async saveAvatar(avatar: UserAvatar): Promise<void> {
    await this.avatars.upsert(avatar, ['userId']);
  }

  findAvatar(userId: string): Promise<UserAvatar | null> {
    return this.avatars.findOne({ where: { userId } });
  }
}
