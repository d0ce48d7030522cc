import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type SmsCodePurpose = 'setup' | 'sign_in' | 'recovery';

@Entity('mfa_sms_codes')
export class SmsCode {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'user_id', type: 'uuid' }) userId: string;
  @Column({ type: 'text' }) purpose: SmsCodePurpose;
  @Column({ name: 'challenge_id', type: 'uuid', nullable: true }) challengeId: string | null;
  @Column({ name: 'code_hash', type: 'text' }) codeHash: string;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column({ name: 'expires_at', type: 'timestamptz' }) expiresAt: Date;
  @Column({ type: 'int' }) attempts: number;
  @Column({ name: 'used_at', type: 'timestamptz', nullable: true }) usedAt: Date | null;
}
