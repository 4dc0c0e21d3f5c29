import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { HealthModule } from '../health/health.module';
import { RealtimeAdminController } from './realtime.admin.controller';
import { RealtimeChannels } from './realtime-channels';
import { RealtimeConnections } from './realtime-connections';
import { RealtimeGateway } from './realtime.gateway';
import { RealtimePublisher } from './realtime.publisher';
import { RealtimeServer } from './realtime-server';
import { RealtimeSnapshots } from './realtime-snapshots';
import { RealtimeSubscriptions } from './realtime-subscriptions';
import { UsersRealtime } from './users.realtime';

/**
 * Socket.IO for every live screen. Other modules inject `RealtimePublisher` (broadcasts),
 * `RealtimeChannels` (to open their channel kinds to subscribers, with a validator) and
 * `RealtimeSnapshots` (to register the snapshot a new subscriber of their channels gets).
 */
@Module({
  imports: [AuthModule, HealthModule],
  controllers: [RealtimeAdminController],
  providers: [RealtimeGateway, RealtimeServer, RealtimeConnections, RealtimeChannels, RealtimeSubscriptions, RealtimeSnapshots, RealtimePublisher, UsersRealtime],
  exports: [RealtimePublisher, RealtimeChannels, RealtimeSnapshots],
})
export class RealtimeModule {}
