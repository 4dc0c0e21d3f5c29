import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { HealthModule } from '../health/health.module';
import { NotificationBroadcasts } from './notification-broadcasts.service';
import { NotificationDigests } from './notification-digests.service';
import { NOTIFICATIONS_QUEUE, NotificationJobs } from './notification-jobs';
import { NotificationMetrics } from './notification-metrics';
import { NotificationsAdminController } from './notifications.admin.controller';
import { NotificationsController, NotificationSettingsController } from './notifications.controller';
import { NotificationsListener } from './notifications.listener';
import { NotificationsProcessor } from './notifications.processor';
import { NotificationsService } from './notifications.service';

/**
 * Per-user notifications of what happened to their money (`NotificationsService`), pushed as `notification` to
 * `user:<id>` (by UsersRealtime), and their email digests. It listens to other modules' domain events and
 * depends on none of them.
 */
@Module({
  imports: [AuthModule, HealthModule, BullModule.registerQueue({ name: NOTIFICATIONS_QUEUE })],
  controllers: [NotificationsController, NotificationSettingsController, NotificationsAdminController],
  providers: [NotificationsService, NotificationDigests, NotificationBroadcasts, NotificationJobs, NotificationMetrics, NotificationsProcessor, NotificationsListener],
  exports: [NotificationsService],
})
export class NotificationsModule {}
