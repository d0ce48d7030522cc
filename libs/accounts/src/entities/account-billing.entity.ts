import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * What the host's billing system says about an account, for owners and admins to see. Never a
 * card: a brand and the last four digits at most (the host keeps the rest with its processor).
 */
@Entity('account_billing')
export class AccountBilling {
  @PrimaryColumn({ name: 'account_id', type: 'uuid' }) accountId: string;
  @Column({ name: 'plan_name', type: 'text' }) planName: string;
  @Column({ type: 'int', nullable: true }) seats: number | null;
  @Column({ name: 'renews_on', type: 'date', nullable: true }) renewsOn: string | null;
  @Column({ name: 'payment_brand', type: 'text', nullable: true }) paymentBrand: string | null;
  @Column({ name: 'payment_last4', type: 'text', nullable: true }) paymentLast4: string | null;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
