import { Body, Controller, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { CurrentUser } from '../auth/auth.decorators';
import { ApiErrors, validationFailed } from '../common/http/api-errors.decorator';
import { UuidParam } from '../common/http/uuid-param';
import { NotificationNotFound } from './notification-errors';
import { ListNotificationsQueryDto, NotificationDto, NotificationPageDto, NotificationSettingsDto, ReadAllResultDto, UpdateNotificationSettingsDto } from './notification.dto';
import { NOTIFICATION_NOT_FOUND } from './notifications.api-errors';
import { NotificationsService } from './notifications.service';

@ApiTags('notifications')
@Controller('notifications')
export class NotificationsController {
  constructor(private readonly notifications: NotificationsService) {}

  @Get()
  @ApiOperation({ summary: 'Your notifications, newest first, with how many are unread' })
  @ApiOkResponse({ type: NotificationPageDto })
  list(@CurrentUser() caller: AuthenticatedUser, @Query() query: ListNotificationsQueryDto): Promise<NotificationPageDto> {
    return this.notifications.list(caller.id, query);
  }

  @Post('read-all')
  @HttpCode(200)
  @ApiOperation({ summary: 'Mark all your notifications read' })
  @ApiOkResponse({ type: ReadAllResultDto })
  readAll(@CurrentUser() caller: AuthenticatedUser): Promise<ReadAllResultDto> {
    return this.notifications.markAllRead(caller.id);
  }

  @Post(':id/read')
  @HttpCode(200)
  @ApiOperation({ summary: 'Mark one of your notifications read (again: no change)' })
  @ApiOkResponse({ type: NotificationDto })
  @ApiErrors(NOTIFICATION_NOT_FOUND)
  read(@CurrentUser() caller: AuthenticatedUser, @UuidParam('id', NotificationNotFound) id: string): Promise<NotificationDto> {
    return this.notifications.markRead(caller.id, id);
  }
}

@ApiTags('notifications')
@Controller('me/notification-settings')
export class NotificationSettingsController {
  constructor(private readonly notifications: NotificationsService) {}

  @Get()
  @ApiOperation({ summary: 'Per kind: in the app (always) and by email (on or off; digests at most every NOTIFICATION_EMAIL_DIGEST_MINUTES)' })
  @ApiOkResponse({ type: NotificationSettingsDto })
  get(@CurrentUser() caller: AuthenticatedUser): Promise<NotificationSettingsDto> {
    return this.notifications.settings(caller.id);
  }

  @Patch()
  @ApiOperation({ summary: 'Turn email on (true) or off (false) per kind; kinds left out keep their setting' })
  @ApiOkResponse({ type: NotificationSettingsDto })
  @ApiErrors(validationFailed('market-resolved', 'must be a boolean value'))
  update(@CurrentUser() caller: AuthenticatedUser, @Body() body: UpdateNotificationSettingsDto): Promise<NotificationSettingsDto> {
    return this.notifications.updateSettings(caller.id, body);
  }
}
