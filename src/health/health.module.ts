import { Module } from '@nestjs/common';
import { HealthController } from './health.controller';
import { MetricsService } from './metrics.service';
import { ReadinessService } from './readiness.service';
import { VenueMetrics } from './venue-metrics';

@Module({
  controllers: [HealthController],
  providers: [ReadinessService, MetricsService, VenueMetrics],
  exports: [MetricsService, VenueMetrics],
})
export class HealthModule {}
