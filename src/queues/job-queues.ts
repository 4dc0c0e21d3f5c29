import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { Queue, type Worker } from 'bullmq';
import { JobWorker } from '../lifecycle/job-worker';

/**
 * Every BullMQ queue and worker of the application, found among the providers (the queues registered with
 * `BullModule.registerQueue`, the processors extending JobWorker), so metrics and Bull Board follow a new
 * queue without being told.
 */
@Injectable()
export class JobQueues implements OnApplicationBootstrap {
  private found?: { queues: Queue[]; workers: Worker[] };

  constructor(private readonly discovery: DiscoveryService) {}

  onApplicationBootstrap(): void {
    this.discover();
  }

  queues(): Queue[] {
    return this.discover().queues;
  }

  /** Workers exist on every instance (created with `autorun: false`); they take jobs only where jobs run. */
  workers(): Worker[] {
    return this.discover().workers;
  }

  private discover(): { queues: Queue[]; workers: Worker[] } {
    if (this.found) return this.found;
    const instances = this.discovery.getProviders().map((wrapper) => wrapper.instance as unknown);
    const queues = [...new Set(instances.filter((instance): instance is Queue => instance instanceof Queue))].sort((a, b) => a.name.localeCompare(b.name));
    const workers: Worker[] = [];
    for (const instance of instances) {
      if (!(instance instanceof JobWorker)) continue;
      try {
        workers.push(instance.worker);
      } catch {
        // Not created (yet): nothing to observe.
      }
    }
    this.found = { queues, workers };
    return this.found;
  }
}
