import { AccountDefaultCell, AccountDefaultsEvent, CHANNELS, Channel, EventCategory } from '@latchkey/notifications';
import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsString, MaxLength, ValidateNested } from 'class-validator';

const CATEGORIES: EventCategory[] = ['transactional', 'security', 'team', 'product', 'marketing'];

export class AccountDefaultCellDto implements AccountDefaultCell {
  @ApiProperty({ enum: CHANNELS }) channel: Channel;
  @ApiProperty({ description: 'What members get unless they choose otherwise (always, when locked)' }) enabled: boolean;
  @ApiProperty({ description: 'Members may not change it (their earlier choice no longer applies)' }) locked: boolean;
  @ApiProperty({ description: "The catalogue's default, which applies while the account sets nothing" }) catalogueDefault: boolean;
  @ApiProperty({ description: 'The account set this cell; otherwise it follows the catalogue' }) set: boolean;
  @ApiProperty({ description: 'Security and transactional events always reach email: on and locked whatever the account says' })
  mandatory: boolean;
}

export class AccountDefaultsEventDto implements AccountDefaultsEvent {
  @ApiProperty({ type: String, example: 'team.role_changed', description: 'A catalogue event, or a type the host registered (host.…)' })
  event: string;
  @ApiProperty({ enum: CATEGORIES }) category: EventCategory;
  @ApiProperty() description: string;
  @ApiProperty({ type: [AccountDefaultCellDto] }) channels: AccountDefaultCellDto[];
}

export class AccountDefaultsDto {
  @ApiProperty({ type: [AccountDefaultsEventDto] }) items: AccountDefaultsEventDto[];
}

export class AccountDefaultInputDto {
  @ApiProperty({ example: 'invoice.issued' })
  @IsString()
  @MaxLength(100)
  event: string;

  @ApiProperty({ enum: CHANNELS })
  @IsIn(CHANNELS)
  channel: string;

  @ApiProperty({ description: 'The default of members' })
  @IsBoolean()
  enabled: boolean;

  @ApiProperty({ description: 'Members may not change it' })
  @IsBoolean()
  locked: boolean;
}

export class PutAccountDefaultsDto {
  @ApiProperty({
    type: [AccountDefaultInputDto],
    description: 'The complete set of the account defaults: a cell not listed follows the catalogue again',
  })
  @IsArray()
  @ArrayMaxSize(1000)
  @ValidateNested({ each: true })
  @Type(() => AccountDefaultInputDto)
  items: AccountDefaultInputDto[];
}

export class AccountDiscordDto {
  @ApiProperty({ enum: ['discord'] }) kind: 'discord';
  @ApiProperty({ description: 'The webhook id only; the token part of the URL is never shown again', example: 'webhook 1234567890' })
  hint: string;
  @ApiProperty() createdAt: Date;
}

export class AccountNotificationChannelsDto {
  @ApiProperty({ type: AccountDiscordDto, nullable: true, description: 'The Discord webhook account alerts go to' })
  discord: AccountDiscordDto | null;
}

export class LinkAccountDiscordDto {
  @ApiProperty({ example: 'https://discord.com/api/webhooks/123456789012345678/AbCdEf...' })
  @IsString()
  @MaxLength(500)
  url: string;
}
