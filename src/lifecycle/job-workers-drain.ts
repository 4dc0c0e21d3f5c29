import { WorkerHost } from '@nestjs/bullmq';
import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { Worker } from 'bullmq';

/**
 * Drains every BullMQ worker of the application before Socket.IO, Redis and the database close.
 *
 * `@nestjs/bullmq` closes workers in `onApplicationShutdown`, which Nest runs after it has closed
 * the Socket.IO server and the adapter's Redis clients: a job still running then (a round
 * settlement) broadcasts its results on a closed connection. `beforeApplicationShutdown` runs
 * after the round engine stopped ticking (`onModuleDestroy`) and before those close, so the jobs
 * finish while everything they use is open. `Worker.close()` is idempotent; the later close by
 * `@nestjs/bullmq` is a no-op.
 */
@Injectable()
export class JobWorkersDrain implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Shutdown');

  constructor(private readonly discovery: DiscoveryService) {}

  async beforeApplicationShutdown(): Promise<void> {
    const workers = this.workers();
    const running = workers.filter((worker) => worker.isRunning());
    if (running.length === 0) return;
    const started = Date.now();
    this.logger.log(`draining ${running.length} job workers (${running.map((worker) => worker.name).join(', ')})`);
    await Promise.all(
      workers.map((worker) => worker.close().catch((error: unknown) => this.logger.error(`job worker ${worker.name} did not close cleanly: ${(error as Error).message}`))),
    );
    this.logger.log(`job workers drained in ${Date.now() - started} ms`);
  }

  private workers(): Worker[] {
    const workers: Worker[] = [];
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (!(instance instanceof WorkerHost)) continue;
      try {
        workers.push(instance.worker);
      } catch {
        // Its worker was never created (the app was built but not initialised): nothing to drain.
      }
    }
    return workers;
  }
}
