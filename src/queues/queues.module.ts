import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { AuthModule } from '../auth/auth.module';
import { HealthModule } from '../health/health.module';
import { JobQueues } from './job-queues';
import { QueueMetrics } from './queue-metrics';
import { QueuesBoard } from './queues-board';

/** Every BullMQ queue seen from one place: their Prometheus metrics and Bull Board at `/admin/queues`. */
@Module({
  imports: [DiscoveryModule, HealthModule, AuthModule],
  providers: [JobQueues, QueueMetrics, QueuesBoard],
  exports: [QueuesBoard],
})
export class QueuesModule {}
