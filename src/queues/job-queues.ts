import { Injectable } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { Queue, type Worker } from 'bullmq';
import { JobWorker } from '../lifecycle/job-worker';

/**
 * Every BullMQ queue and worker of the application, found among the providers (the queues registered with
 * `BullModule.registerQueue`, the processors extending JobWorker), so metrics and Bull Board follow a new
 * queue without being told.
 */
@Injectable()
export class JobQueues {
  private found?: Queue[];

  constructor(private readonly discovery: DiscoveryService) {}

  /** The queues exist once the providers do (Bull Board is mounted from them before the app's init). */
  queues(): Queue[] {
    this.found ??= [...new Set(this.instances().filter((instance): instance is Queue => instance instanceof Queue))].sort((a, b) => a.name.localeCompare(b.name));
    return this.found;
  }

  /**
   * The workers, from the app's bootstrap on: the BullMQ explorer creates them in its init (with `autorun: false`
   * on every instance; they take jobs only where jobs run).
   */
  workers(): Worker[] {
    const workers: Worker[] = [];
    for (const instance of this.instances()) {
      if (!(instance instanceof JobWorker)) continue;
      try {
        workers.push(instance.worker);
      } catch {
        // Not created: nothing to observe.
      }
    }
    return workers;
  }

  private instances(): unknown[] {
    return this.discovery.getProviders().map((wrapper) => wrapper.instance as unknown);
  }
}
