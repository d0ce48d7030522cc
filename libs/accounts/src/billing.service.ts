import { AuditService } from '@latchkey/audit';
import { Clock, FieldError, coreError } from '@latchkey/core';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { AccountAuditAction } from './accounts.constants';
import { accountNotFound } from './accounts.exception';
import { BillingSummaryDto, PutBillingSummaryDto } from './dto/billing.dto';
import { AccountBilling } from './entities';

/** A run of 12 to 19 digits (spaces and dashes between them allowed) that passes Luhn's check: a card number. */
export function looksLikeCardNumber(text: string): boolean {
  for (const match of text.matchAll(/\d[\d -]{10,30}\d/g)) {
    const digits = match[0].replace(/[ -]/g, '');
    for (let len = 19; len >= 12; len--) {
      for (let start = 0; start + len <= digits.length; start++) {
        if (luhn(digits.slice(start, start + len))) {
          return true;
        }
      }
    }
  }
  return false;
}

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) {
        d -= 9;
      }
    }
    sum += d;
  }
  return sum % 10 === 0;
}

function toDto(row: AccountBilling | null): BillingSummaryDto {
  return {
    planName: row?.planName ?? null,
    seats: row?.seats ?? null,
    renewsOn: row?.renewsOn ?? null,
    paymentMethod: row?.paymentBrand && row.paymentLast4 ? { brand: row.paymentBrand, last4: row.paymentLast4 } : null,
    updatedAt: row?.updatedAt.toISOString() ?? null,
  };
}

/**
 * The billing summary the host pushes per account (plan, seats, renewal, payment method brand and
 * last four digits), shown to owners and admins. Card data beyond that is refused, not stored.
 */
@Injectable()
export class BillingService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async get(accountId: string): Promise<BillingSummaryDto> {
    return toDto(await this.dataSource.getRepository(AccountBilling).findOneBy({ accountId }));
  }

  async put(accountId: string, body: PutBillingSummaryDto, by: string): Promise<BillingSummaryDto> {
    const errors: FieldError[] = [];
    if (looksLikeCardNumber(body.planName)) {
      errors.push({ field: 'planName', message: 'looks like a card number: send the plan name only' });
    }
    if (errors.length > 0) {
      throw coreError('VALIDATION_FAILED', `Invalid field(s): ${errors.map((e) => e.field).join(', ')}.`, { errors });
    }
    return this.dataSource.transaction(async (m) => {
      const [account] = await m.query(`SELECT id FROM accounts WHERE id = $1 FOR SHARE`, [accountId]);
      if (!account) {
        throw accountNotFound();
      }
      const row: AccountBilling = {
        accountId,
        planName: body.planName.trim(),
        seats: body.seats ?? null,
        renewsOn: body.renewsOn ?? null,
        paymentBrand: body.paymentMethod?.brand.trim() ?? null,
        paymentLast4: body.paymentMethod?.last4 ?? null,
        updatedAt: this.clock.now(),
      };
      await m.getRepository(AccountBilling).save(row);
      await this.audit.record(
        {
          action: AccountAuditAction.BillingUpdated,
          actorKind: 'service',
          accountId,
          metadata: { by, planName: row.planName, seats: row.seats, renewsOn: row.renewsOn, paymentBrand: row.paymentBrand },
        },
        m,
      );
      return toDto(row);
    });
  }

  async clear(accountId: string, by: string): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      const [account] = await m.query(`SELECT id FROM accounts WHERE id = $1`, [accountId]);
      if (!account) {
        throw accountNotFound();
      }
      await m.query(`DELETE FROM account_billing WHERE account_id = $1`, [accountId]);
      await this.audit.record({ action: AccountAuditAction.BillingCleared, actorKind: 'service', accountId, metadata: { by } }, m);
    });
  }
}
