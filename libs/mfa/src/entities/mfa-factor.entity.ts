import { Column, Entity, PrimaryGeneratedColumn, Unique } from 'typeorm';

export type FactorKind = 'totp' | 'sms';

/** One per (user, kind). A factor with confirmedAt null is a pending enrolment, not a factor. */
@Entity('mfa_factors')
@Unique('mfa_factors_user_kind_uq', ['userId', 'kind'])
export class MfaFactor {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'user_id', type: 'uuid' }) userId: string;
  @Column({ type: 'text' }) kind: FactorKind;
  /** TOTP secret sealed with SecretBox, bound to the user id. */
  @Column({ name: 'secret_sealed', type: 'text', nullable: true }) secretSealed: string | null;
  @Column({ type: 'text', nullable: true }) phone: string | null;
  @Column({ name: 'confirmed_at', type: 'timestamptz', nullable: true }) confirmedAt: Date | null;
  @Column({ name: 'last_used_step', type: 'bigint', nullable: true }) lastUsedStep: string | null;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
