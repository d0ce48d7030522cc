import { SqlStatement, decodeCursor } from '@latchkey/core';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Brackets, DataSource, EntityManager, WhereExpressionBuilder } from 'typeorm';

import { SupportTicket, SupportTicketCheck, SupportTicketEvent, TicketType } from './entities';
import { TicketState } from './ticket-state';

@Injectable()
export class SupportTicketsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private db(m?: EntityManager): EntityManager {
    return m ?? this.dataSource.manager;
  }

  async insert(ticket: Partial<SupportTicket>, m: EntityManager): Promise<SupportTicket> {
    const saved = await m.getRepository(SupportTicket).save(m.getRepository(SupportTicket).create(ticket));
    const [row]: Array<{ reference: string }> = await m.query(`SELECT reference FROM support_tickets WHERE id = $1`, [saved.id]);
    return Object.assign(saved, { reference: row.reference });
  }

  async update(id: string, patch: Partial<SupportTicket>, m: EntityManager): Promise<void> {
    await m.getRepository(SupportTicket).update({ id }, patch);
  }

  /** Row-locked, for a state change inside a transaction. */
  findForUpdate(id: string, m: EntityManager): Promise<SupportTicket | null> {
    return m.getRepository(SupportTicket).createQueryBuilder('t').setLock('pessimistic_write').where('t.id = :id', { id }).getOne();
  }

  findByConfirmHash(hash: string, m: EntityManager): Promise<SupportTicket | null> {
    return m
      .getRepository(SupportTicket)
      .createQueryBuilder('t')
      .setLock('pessimistic_write')
      .where('t.confirm_token_hash = :hash', { hash })
      .getOne();
  }

  findByCancelHash(hash: string, m: EntityManager): Promise<SupportTicket | null> {
    return m
      .getRepository(SupportTicket)
      .createQueryBuilder('t')
      .setLock('pessimistic_write')
      .where('t.cancel_token_hash = :hash', { hash })
      .getOne();
  }

  findById(id: string, m?: EntityManager): Promise<SupportTicket | null> {
    return this.db(m).getRepository(SupportTicket).findOne({ where: { id } });
  }

  /** The queue never holds tickets whose email was not confirmed (pending or expired). */
  listQueue(filter: { state?: TicketState; type?: TicketType; q?: string }, limit: number, cursor?: string): Promise<SupportTicket[]> {
    const after = decodeCursor(cursor);
    const qb = this.dataSource
      .getRepository(SupportTicket)
      .createQueryBuilder('t')
      .where(`t.state NOT IN ('awaiting_email_confirmation', 'expired')`)
      .orderBy('t.created_at', 'DESC')
      .addOrderBy('t.id', 'DESC')
      .limit(limit + 1);
    if (filter.state) {
      qb.andWhere('t.state = :state', { state: filter.state });
    }
    if (filter.type) {
      qb.andWhere('t.type = :type', { type: filter.type });
    }
    const q = filter.q?.trim();
    if (q) {
      qb.andWhere(new Brackets((w) => this.search(w, q)));
    }
    if (after) {
      qb.andWhere('(t.created_at, t.id) < (:at, :id)', { at: after.at, id: after.id });
    }
    return qb.getMany();
  }

  /** A reference (SUP-000042, or the id-prefix form of older mails) or an id finds its ticket; anything else matches the email. */
  private search(w: WhereExpressionBuilder, q: string): void {
    const like = `%${q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    w.where('lower(t.email) LIKE :like', { like });
    if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(q)) {
      w.orWhere('t.id = :id', { id: q.toLowerCase() });
    }
    const legacy = /^SUP-([0-9A-F]{8})$/i.exec(q);
    if (legacy) {
      w.orWhere('t.id::text LIKE :prefix', { prefix: `${legacy[1]!.toLowerCase()}-%` });
    }
    w.orWhere('upper(t.reference) = :reference', { reference: q.toUpperCase() });
  }

  listForUser(userId: string): Promise<SupportTicket[]> {
    return this.dataSource.getRepository(SupportTicket).find({ where: { userId }, order: { createdAt: 'DESC' }, take: 20 });
  }

  /** Unconfirmed tickets past their link's lifetime, locked and skipped by concurrent sweeps. */
  staleUnconfirmed(before: Date, m: EntityManager): Promise<SupportTicket[]> {
    return m
      .getRepository(SupportTicket)
      .createQueryBuilder('t')
      .setLock('pessimistic_write')
      .setOnLocked('skip_locked')
      .where(`t.state = 'awaiting_email_confirmation' AND t.created_at < :before`, { before })
      .limit(100)
      .getMany();
  }

  insertChecks(rows: Array<Partial<SupportTicketCheck>>, m: EntityManager): Promise<unknown> {
    return m.getRepository(SupportTicketCheck).insert(rows);
  }

  checks(ticketId: string, m?: EntityManager): Promise<SupportTicketCheck[]> {
    return this.db(m)
      .getRepository(SupportTicketCheck)
      .find({ where: { ticketId }, order: { createdAt: 'ASC' } });
  }

  insertEvent(row: Partial<SupportTicketEvent>, m: EntityManager): Promise<unknown> {
    return m.getRepository(SupportTicketEvent).insert(row);
  }

  events(ticketId: string): Promise<SupportTicketEvent[]> {
    return this.dataSource.getRepository(SupportTicketEvent).find({ where: { ticketId }, order: { at: 'ASC' } });
  }

  /** When support last executed an MFA reset for the user (null when never). */
  /** When support last executed an MFA reset for the user (or null), as a SqlFacts fact (a timestamp). */
  lastExecutedResetFact(userId: string): SqlStatement {
    return {
      sql: `SELECT max(executed_at) FROM support_tickets WHERE user_id = $1 AND type = 'mfa_reset' AND state = 'executed'`,
      params: [userId],
    };
  }
}
