import { ReauthProofDto } from '@latchkey/mfa';
import { ApiProperty } from '@nestjs/swagger';

import { DATA_EXPORT_STATES, DataExportState } from '../exports.constants';

/** Starting an export is a sensitive action: a sign-in in the last 5 minutes, or the password (and a code with 2FA). */
export class StartExportDto extends ReauthProofDto {}

export class DataExportDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({
    enum: DATA_EXPORT_STATES,
    description: 'queued, running, ready (download it), failed (start a new one), expired (the file was deleted after 7 days)',
  })
  state: DataExportState;
  @ApiProperty({ minimum: 0, maximum: 100, description: 'Percent done; never goes backwards; 100 when ready' }) progress: number;
  @ApiProperty({ type: String, nullable: true, description: 'The part being written, e.g. "login-activity"', example: 'login-activity' })
  stage: string | null;
  @ApiProperty() createdAt: Date;
  @ApiProperty({ type: Date, nullable: true }) startedAt: Date | null;
  @ApiProperty({ type: Date, nullable: true }) finishedAt: Date | null;
  @ApiProperty({ type: Date, nullable: true, description: 'When the file is deleted (7 days after it was made)' }) expiresAt: Date | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Size of the zip in bytes, once ready' }) sizeBytes: number | null;
  @ApiProperty({ type: String, nullable: true, description: 'Where to download the zip while it is ready (your session only)' })
  downloadUrl: string | null;
}

export class DataExportListDto {
  @ApiProperty({ type: [DataExportDto] }) items: DataExportDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Always null: the recent exports fit one page' }) nextCursor: string | null;
}
