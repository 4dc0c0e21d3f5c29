import { Module } from '@nestjs/common';
import { HealthModule } from '../health/health.module';
import { EngineMetrics } from './engine-metrics';
import { VenueEngine } from './venue-engine.service';

/** The venue engine: venues import this module and `register` with VenueEngine in their onModuleInit. */
@Module({
  imports: [HealthModule],
  providers: [EngineMetrics, VenueEngine],
  exports: [VenueEngine],
})
export class EngineModule {}
