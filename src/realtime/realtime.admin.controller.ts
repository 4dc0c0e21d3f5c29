import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/auth.decorators';
import { MaintenanceBroadcastDto, MaintenanceBroadcastResultDto } from './maintenance-broadcast.dto';
import { RealtimeEvent, RealtimePublisher } from './realtime.publisher';

@ApiTags('admin')
@ApiBearerAuth('bearer')
@Roles('admin')
@Controller('admin/realtime')
export class RealtimeAdminController {
  constructor(private readonly publisher: RealtimePublisher) {}

  @Post('broadcast')
  @HttpCode(202)
  @ApiOperation({ summary: 'Announce maintenance to every connected client (Socket.IO event system:maintenance), on every instance' })
  @ApiAcceptedResponse({ type: MaintenanceBroadcastResultDto })
  broadcast(@Body() body: MaintenanceBroadcastDto): MaintenanceBroadcastResultDto {
    const notice = { message: body.message, startsAt: new Date(body.startsAt).toISOString() };
    this.publisher.maintenance(notice);
    return { event: RealtimeEvent.SystemMaintenance, ...notice };
  }
}
