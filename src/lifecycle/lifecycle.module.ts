import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { JobWorkersDrain } from './job-workers-drain';

/**
 * Shutdown in dependency order. Nest runs the hooks in phases, and each phase finishes before the next:
 * 1. `onModuleDestroy`: the round engine stops ticking, the venue engine's shard leaders finish their batch in flight and
 *    the price feed stops (storing its last candles), each freeing its lease; every instance's PerpPrices closes its quote subscriber;
 * 2. `beforeApplicationShutdown`: BullMQ workers finish their running jobs (JobWorkersDrain), cron stops;
 * 3. Nest closes Socket.IO (broadcasts become logged no-ops, then the adapter's Redis clients quit) and HTTP;
 * 4. `onApplicationShutdown`: BullMQ queues, the shared Redis connection and the database close.
 * `main.ts` stops accepting connections before all of this.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [JobWorkersDrain],
})
export class LifecycleModule {}
