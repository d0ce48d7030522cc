import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';

export class PrivacySettingsDto {
  @ApiProperty({ description: 'True when the user opted out of anonymous usage analytics (default false: analytics on)' })
  analyticsOptOut: boolean;
  @ApiProperty({ description: 'True when the user agreed to marketing mail (default false: none is sent)' })
  marketingEmail: boolean;
  @ApiProperty({ nullable: true, type: String, format: 'date-time', description: 'When either choice last changed' })
  updatedAt: string | null;
}

export class UpdatePrivacySettingsDto {
  @ApiPropertyOptional() @IsOptional() @IsBoolean() analyticsOptOut?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() marketingEmail?: boolean;
}

export class ConsentRecordDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: ['analytics', 'marketing_email'] }) purpose: 'analytics' | 'marketing_email';
  @ApiProperty({ description: 'analytics: true when analytics is allowed; marketing_email: true when mail is allowed' }) granted: boolean;
  @ApiProperty({ enum: ['console', 'api', 'host'] }) source: 'console' | 'api' | 'host';
  @ApiProperty({ nullable: true, type: String }) ip: string | null;
  @ApiProperty({ nullable: true, type: String }) userAgent: string | null;
  @ApiProperty({ format: 'date-time' }) occurredAt: string;
}

export class ConsentRecordListDto {
  @ApiProperty({ type: [ConsentRecordDto] }) items: ConsentRecordDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

export class UserConsentDto extends PrivacySettingsDto {
  @ApiProperty({ format: 'uuid' }) userId: string;
}

export class ConsentChangeDto {
  @ApiProperty({ description: 'Position in the feed: pass it as `after` to read what came next' }) cursor: string;
  @ApiProperty({ format: 'uuid' }) userId: string;
  @ApiProperty({ enum: ['analytics', 'marketing_email'] }) purpose: 'analytics' | 'marketing_email';
  @ApiProperty() granted: boolean;
  @ApiProperty({ enum: ['console', 'api', 'host'] }) source: 'console' | 'api' | 'host';
  @ApiProperty({ format: 'date-time' }) occurredAt: string;
}

export class ConsentChangeListDto {
  @ApiProperty({ type: [ConsentChangeDto] }) items: ConsentChangeDto[];
  @ApiProperty({ nullable: true, type: String, description: 'The cursor of the last item, or the `after` given when nothing is new' })
  nextCursor: string | null;
}

export class ConsentListQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @Matches(/^\d{1,18}$/, { message: 'cursor must be a cursor returned by this list' })
  cursor?: string;
}

export class ConsentFeedQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ description: 'Only changes after this cursor (from a previous answer); from the start when omitted' })
  @IsOptional()
  @IsString()
  @Matches(/^\d{1,18}$/, { message: 'after must be a cursor returned by this feed' })
  after?: string;
}
