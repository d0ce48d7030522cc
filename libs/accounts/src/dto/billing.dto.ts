import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDateString, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength, ValidateNested } from 'class-validator';

export class PaymentMethodDto {
  @ApiProperty({
    example: 'visa',
    maxLength: 32,
    description: 'Brand or kind (visa, mastercard, amex, sepa debit, invoice…): letters, spaces, - and _',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(32)
  @Matches(/^[\p{L}][\p{L} _-]*$/u, { message: 'brand may hold letters, spaces, - and _ only' })
  brand: string;

  @ApiProperty({ example: '4242', pattern: '^[0-9]{4}$', description: 'The last four digits, never more' })
  @IsString()
  @Matches(/^[0-9]{4}$/, { message: 'last4 must be exactly four digits' })
  last4: string;
}

/** What the host's billing system pushes. Only these fields: a card number, expiry or CVC anywhere is refused. */
export class PutBillingSummaryDto {
  @ApiProperty({ example: 'Team (annual)', maxLength: 64 })
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  planName: string;

  @ApiPropertyOptional({ type: Number, nullable: true, minimum: 0, maximum: 1_000_000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  seats?: number | null;

  @ApiPropertyOptional({ type: String, format: 'date', nullable: true, example: '2027-01-31' })
  @IsOptional()
  @IsDateString({ strict: true })
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'renewsOn must be a date YYYY-MM-DD' })
  renewsOn?: string | null;

  @ApiPropertyOptional({ type: PaymentMethodDto, nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => PaymentMethodDto)
  paymentMethod?: PaymentMethodDto | null;
}

export class BillingSummaryDto {
  @ApiProperty({ type: String, nullable: true, description: 'null until the host has pushed a summary' }) planName: string | null;
  @ApiProperty({ type: Number, nullable: true }) seats: number | null;
  @ApiProperty({ type: String, format: 'date', nullable: true }) renewsOn: string | null;
  @ApiProperty({ type: PaymentMethodDto, nullable: true }) paymentMethod: PaymentMethodDto | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) updatedAt: string | null;
}
