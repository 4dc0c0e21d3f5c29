import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBadRequestResponse, ApiBearerAuth, ApiForbiddenResponse, ApiOperation, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
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
  @ApiAcceptedResponse({ type: MaintenanceBroadcastResultDto, description: 'Handed to every instance through the Socket.IO Redis adapter' })
  @ApiBadRequestResponse({ description: 'message empty or over 500 characters, or startsAt not ISO 8601' })
  @ApiUnauthorizedResponse({ description: 'No or invalid access token' })
  @ApiForbiddenResponse({ description: 'The caller is not an admin' })
  broadcast(@Body() body: MaintenanceBroadcastDto): MaintenanceBroadcastResultDto {
    const notice = { message: body.message, startsAt: new Date(body.startsAt).toISOString() };
    this.publisher.maintenance(notice);
    return { event: RealtimeEvent.SystemMaintenance, ...notice };
  }
}
