import { ApiProperty } from '@nestjs/swagger';

export class SessionDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ description: 'true for the session making this request' }) current: boolean;
  @ApiProperty() createdAt: string;
  @ApiProperty() lastActiveAt: string;
  @ApiProperty() expiresAt: string;
  @ApiProperty({ nullable: true, type: String }) ip: string | null;
  @ApiProperty({ nullable: true, type: String }) browser: string | null;
  @ApiProperty({ nullable: true, type: String }) os: string | null;
  @ApiProperty({ nullable: true, type: String }) deviceType: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Country code, or "unknown"' }) location: string | null;
  @ApiProperty({ description: 'A restricted session may only set up two-factor authentication' }) restricted: boolean;
}

export class SessionListDto {
  @ApiProperty({ type: [SessionDto] }) items: SessionDto[];
}

export class RevokedDto {
  @ApiProperty() revoked: number;
}
