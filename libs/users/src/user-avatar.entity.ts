import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity('user_avatars')
export class UserAvatar {
  @PrimaryColumn({ name: 'user_id', type: 'uuid' }) userId: string;
  @Column({ name: 'content_type', type: 'text' }) contentType: string;
  @Column({ type: 'bytea' }) data: Buffer;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
