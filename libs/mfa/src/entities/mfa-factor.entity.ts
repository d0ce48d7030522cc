import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * The kind of a factor: the `kind` of a FactorStrategy registered in FactorRegistry (totp, sms,
 * passkey today), and allowed by the mfa_factors_kind_chk constraint.
 */
export type FactorKind = string;

/**
 * A second factor. At most one totp and one sms per user (a partial unique index); passkeys are
 * many per user, each confirmed when stored. A factor with confirmedAt null is a pending
 * enrolment, not a factor.
 */
@Entity('mfa_factors')
export class MfaFactor {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'user_id', type: 'uuid' }) userId: string;
  @Column({ type: 'text' }) kind: FactorKind;
  /** TOTP secret sealed with SecretBox, bound to the user id. */
  @Column({ name: 'secret_sealed', type: 'text', nullable: true }) secretSealed: string | null;
  @Column({ type: 'text', nullable: true }) phone: string | null;
  @Column({ name: 'confirmed_at', type: 'timestamptz', nullable: true }) confirmedAt: Date | null;
  @Column({ name: 'last_used_step', type: 'bigint', nullable: true }) lastUsedStep: string | null;
  /** Passkeys: the name the user gave it. */
  @Column({ type: 'text', nullable: true }) name: string | null;
  /** Passkeys: the WebAuthn credential id, base64url. */
  @Column({ name: 'credential_id', type: 'text', nullable: true }) credentialId: string | null;
  /** Passkeys: the COSE public key (public, but never exported or returned). */
  @Column({ name: 'public_key', type: 'bytea', nullable: true }) publicKey: Buffer | null;
  @Column({ name: 'sign_count', type: 'bigint', nullable: true }) signCount: string | null;
  /** Passkeys: the transports the browser reported, comma-separated. */
  @Column({ type: 'text', nullable: true }) transports: string | null;
  @Column({ type: 'text', nullable: true }) aaguid: string | null;
  @Column({ name: 'backed_up', type: 'boolean', nullable: true }) backedUp: boolean | null;
  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true }) lastUsedAt: Date | null;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
