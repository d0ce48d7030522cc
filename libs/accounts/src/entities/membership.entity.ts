import { Column, Entity, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';

import { AccountRole } from '../account-role';

@Entity('memberships')
@Unique('memberships_account_user_uq', ['accountId', 'userId'])
@Index('memberships_user_idx', ['userId'])
export class Membership {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'account_id', type: 'uuid' }) accountId: string;
  @Column({ name: 'user_id', type: 'uuid' }) userId: string;
  @Column({ type: 'text' }) role: AccountRole;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
