import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional, IsString, Length } from 'class-validator';
import { IsOmittable } from '../common/http/is-omittable.decorator';
import { PageDtoOf, PageQueryDto } from '../common/http/pagination';
import type { NotificationData } from './notification-drafts';
import { NOTIFICATION_KINDS, NotificationKind } from './notification-kinds';

export class ListNotificationsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: ['true', 'false'], example: 'true', description: 'true: only unread ones' })
  @IsOptional()
  @IsIn(['true', 'false'])
  unread?: 'true' | 'false';
}

export class NotificationDto {
  @ApiProperty({ example: '3f1c2b7d-9a4c-4e1b-8d3f-5b6a7c8d9e0f' })
  id!: string;

  @ApiProperty({ enum: NOTIFICATION_KINDS, example: 'market-resolved' })
  kind!: NotificationKind;

  @ApiProperty({ example: 'Market resolved: “Will BTC close above 100k on Friday?”' })
  title!: string;

  @ApiProperty({ example: 'It resolved to Yes. You got 12.500000 USDC.' })
  body!: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: { oneOf: [{ type: 'string' }, { type: 'number' }], nullable: true },
    example: { marketId: '0b5c2f7e-3a4d-4d0e-9b1a-8d9e2f6c1a77', amount: '12.500000', resolvedOutcome: 0 },
    description: 'The cause’s ids and decimal amounts, per kind',
  })
  data!: NotificationData;

  @ApiProperty({ example: null, nullable: true, type: String, description: 'When you marked it read (ISO 8601)' })
  readAt!: string | null;

  @ApiProperty({ example: '2026-12-03T12:00:00.000Z' })
  createdAt!: string;
}

export class NotificationPageDto extends PageDtoOf(NotificationDto) {
  @ApiProperty({ example: 3, description: 'All your unread notifications (not only this page)' })
  unreadCount!: number;
}

export class ReadAllResultDto {
  @ApiProperty({ example: 3, description: 'Notifications this call marked read' })
  marked!: number;

  @ApiProperty({ example: 0 })
  unreadCount!: number;
}

export class NotificationSettingDto {
  @ApiProperty({ enum: NOTIFICATION_KINDS, example: 'market-resolved' })
  kind!: NotificationKind;

  @ApiProperty({ example: true, description: 'Always true: every notification is shown in the app' })
  inApp!: true;

  @ApiProperty({ example: true, description: 'Included in your email digest (at most one mail per NOTIFICATION_EMAIL_DIGEST_MINUTES)' })
  email!: boolean;
}

export class NotificationSettingsDto {
  @ApiProperty({ type: [NotificationSettingDto], description: 'One per kind' })
  settings!: NotificationSettingDto[];
}

/** Email on (true) or off (false) per kind; kinds left out keep their setting. */
export class UpdateNotificationSettingsDto {
  @ApiPropertyOptional({ example: true, description: 'Email `market-resolved` notifications' })
  @IsOmittable()
  @IsBoolean()
  'market-resolved'?: boolean;

  @ApiPropertyOptional({ example: true, description: 'Email `market-cancelled` notifications' })
  @IsOmittable()
  @IsBoolean()
  'market-cancelled'?: boolean;

  @ApiPropertyOptional({ example: true, description: 'Email `dividend-paid` notifications' })
  @IsOmittable()
  @IsBoolean()
  'dividend-paid'?: boolean;

  @ApiPropertyOptional({ example: true, description: 'Email `perp-trigger` notifications' })
  @IsOmittable()
  @IsBoolean()
  'perp-trigger'?: boolean;

  @ApiPropertyOptional({ example: true, description: 'Email `withdrawal-completed` notifications' })
  @IsOmittable()
  @IsBoolean()
  'withdrawal-completed'?: boolean;

  @ApiPropertyOptional({ example: true, description: 'Email `withdrawal-failed` notifications' })
  @IsOmittable()
  @IsBoolean()
  'withdrawal-failed'?: boolean;

  @ApiPropertyOptional({ example: true, description: 'Email `withdrawal-rejected` notifications' })
  @IsOmittable()
  @IsBoolean()
  'withdrawal-rejected'?: boolean;

  @ApiPropertyOptional({ example: true, description: 'Email `round-payout` notifications' })
  @IsOmittable()
  @IsBoolean()
  'round-payout'?: boolean;

  @ApiPropertyOptional({ example: false, description: 'Email `broadcast` notifications' })
  @IsOmittable()
  @IsBoolean()
  'broadcast'?: boolean;
}

export class BroadcastDto {
  @ApiProperty({ example: 'Scheduled maintenance', minLength: 1, maxLength: 200 })
  @IsString()
  @Length(1, 200)
  title!: string;

  @ApiProperty({ example: 'Trading pauses on Sunday 02:00–02:30 UTC.', minLength: 1, maxLength: 2000 })
  @IsString()
  @Length(1, 2000)
  body!: string;
}

export class BroadcastResultDto {
  @ApiProperty({ example: '7d3f4b5a-8c6e-4f1a-9b2c-3d4e5f6a7b8c' })
  id!: string;

  @ApiProperty({ example: 'Scheduled maintenance' })
  title!: string;

  @ApiProperty({ example: 'Trading pauses on Sunday 02:00–02:30 UTC.' })
  body!: string;

  @ApiProperty({ example: '2026-12-03T12:00:00.000Z' })
  createdAt!: string;
}
