import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/auth.decorators';
import { ApiErrors, validationFailed } from '../common/http/api-errors.decorator';
import { MaintenanceBroadcastDto, MaintenanceBroadcastResultDto } from './maintenance-broadcast.dto';
import { RealtimeEvent, RealtimePublisher } from './realtime.publisher';

@ApiTags('admin')
@Roles('admin')
@Controller('admin/realtime')
export class RealtimeAdminController {
  constructor(private readonly publisher: RealtimePublisher) {}

  // No @AuditedInService(): a Socket.IO broadcast writes nothing to the database, so there is no transaction to audit
  // in; the global AdminAuditInterceptor records it (body as before, response as after) once it was handed over.
  @Post('broadcast')
  @HttpCode(202)
  @ApiOperation({ summary: 'Announce maintenance to every connected client (Socket.IO event system:maintenance), on every instance' })
  @ApiAcceptedResponse({ type: MaintenanceBroadcastResultDto, description: 'Handed to every instance through the Socket.IO Redis adapter' })
  @ApiErrors(validationFailed('startsAt', 'must be a valid ISO 8601 date string', 'message empty or over 500 characters, or startsAt not ISO 8601'))
  broadcast(@Body() body: MaintenanceBroadcastDto): MaintenanceBroadcastResultDto {
    const notice = { message: body.message, startsAt: new Date(body.startsAt).toISOString() };
    this.publisher.maintenance(notice);
    return { event: RealtimeEvent.SystemMaintenance, ...notice };
  }
}
