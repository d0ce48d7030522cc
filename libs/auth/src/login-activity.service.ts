import { ClientInfo, Clock, Metrics, Page, SqlBatch, SqlStatement, FactOf, decodeCursor, toPage } from '@latchkey/core';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';

import { LoginActivityDto } from './dto/auth.dto';
import { LoginActivity, LoginOutcome } from './login-activity.entity';

@Injectable()
export class LoginActivityService {
  constructor(
    @InjectRepository(LoginActivity) private readonly repo: Repository<LoginActivity>,
    private readonly clock: Clock,
    private readonly metrics: Metrics,
  ) {}

  async record(userId: string | null, client: ClientInfo, outcome: LoginOutcome, reason?: string, manager?: EntityManager): Promise<void> {
    await (manager ? manager.getRepository(LoginActivity) : this.repo).insert({
      userId,
      occurredAt: this.clock.now(),
      outcome,
      reason: reason ?? null,
      ip: client.ip ?? null,
      userAgent: client.userAgent ?? null,
      browser: client.browser,
      os: client.os,
      deviceType: client.deviceType,
      location: client.location,
    });
    this.metrics.signIns.inc({ outcome });
  }

  /** The same row as `record`, written by `batch`. */
  prepare(userId: string, client: ClientInfo, outcome: LoginOutcome, reason: string | undefined, batch: SqlBatch): void {
    batch.insert('login_activity', {
      user_id: userId,
      occurred_at: this.clock.now(),
      outcome,
      reason: reason ?? null,
      ip: client.ip ?? null,
      user_agent: client.userAgent ?? null,
      browser: client.browser,
      os: client.os,
      device_type: client.deviceType,
      location: client.location,
    });
    this.metrics.signIns.inc({ outcome });
  }

  /** True when this user has signed in before, but never from this browser, OS and location. */
  async isNewDevice(userId: string, client: ClientInfo): Promise<boolean> {
    const { sql, params } = this.newDeviceFact(userId, client);
    const rows: Array<{ fresh: unknown }> = await this.repo.query(sql, params);
    return FactOf.boolean(rows[0]?.fresh);
  }

  /**
   * As a SqlFacts fact (a boolean): true when the user has signed in before, but never from this
   * browser, OS and place among their last 200 successful sign-ins. A first sign-in ever is not
   * a new device (nothing to warn about).
   */
  newDeviceFact(userId: string, client: ClientInfo): SqlStatement {
    return { sql: newDeviceSql('$4'), params: [client.browser, client.os, client.location, userId] };
  }

  /**
   * The same fact for the user a column of the statement it goes into names (e.g. the user of the
   * challenge a second step spends, read along with it). `userColumn` is code, never input.
   */
  newDeviceFactFor(userColumn: string, client: ClientInfo): SqlStatement {
    return { sql: newDeviceSql(userColumn), params: [client.browser, client.os, client.location] };
  }

  async list(userId: string, limit = 20, cursor?: string): Promise<Page<LoginActivityDto>> {
    const after = decodeCursor(cursor);
    const qb = this.repo
      .createQueryBuilder('a')
      .where('a.user_id = :userId', { userId })
      .orderBy('a.occurred_at', 'DESC')
      .addOrderBy('a.id', 'DESC')
      .limit(limit + 1);
    if (after) {
      qb.andWhere('(a.occurred_at, a.id) < (:at, :id)', { at: after.at, id: after.id });
    }
    const rows = await qb.getMany();
    return toPage(
      rows,
      limit,
      (r) => r.occurredAt,
      (r) => ({
        id: r.id,
        occurredAt: r.occurredAt.toISOString(),
        outcome: r.outcome,
        reason: r.reason,
        ip: r.ip,
        browser: r.browser,
        os: r.os,
        deviceType: r.deviceType,
        location: r.location,
      }),
    );
  }
}

/** The new-device fact's query, for the user `user` (a parameter or a column); $1-$3 are the client's browser, OS and place. */
function newDeviceSql(user: string): string {
  return `SELECT count(*) > 0 AND NOT coalesce(bool_or(browser = $1 AND os = $2 AND location = $3), false) AS fresh
            FROM (SELECT browser, os, location FROM login_activity
                   WHERE user_id = ${user} AND outcome = 'success' ORDER BY occurred_at DESC LIMIT 200) recent`;
}
