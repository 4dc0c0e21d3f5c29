import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Actor, AdminActor, AuditedInService } from '../admin/admin-actor';
import { Roles } from '../auth/auth.decorators';
import { ApiErrors, validationFailed } from '../common/http/api-errors.decorator';
import { Idempotent } from '../common/idempotency/idempotent.decorator';
import { NotificationBroadcasts } from './notification-broadcasts.service';
import { BroadcastDto, BroadcastResultDto } from './notification.dto';

@ApiTags('admin')
@Roles('admin')
@Controller('admin/notifications')
export class NotificationsAdminController {
  constructor(private readonly broadcasts: NotificationBroadcasts) {}

  @Post('broadcast')
  @HttpCode(202)
  @Idempotent()
  @AuditedInService()
  @ApiOperation({ summary: 'Notify every active user (a job delivers it; with an Idempotency-Key a retry answers the same broadcast and sends nothing)' })
  @ApiAcceptedResponse({ type: BroadcastResultDto })
  @ApiErrors(validationFailed('title', 'title must be longer than or equal to 1 characters'))
  broadcast(@Actor() actor: AdminActor, @Body() body: BroadcastDto): Promise<BroadcastResultDto> {
    return this.broadcasts.create(actor, body);
  }
}
