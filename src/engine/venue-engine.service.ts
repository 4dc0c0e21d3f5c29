import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { LeaderLease } from '../redis/leader-lease';
import { REDIS } from '../redis/redis.module';
import { CommandIntake } from './command-intake';
import { CommandPruner } from './command-pruner';
import { engineKeys } from './engine-keys';
import { EngineMetrics, SubmitResult } from './engine-metrics';
import { EngineShardsRepository } from './engine-shards.repository';
import { ShardLeader, ShardLeaderDeps } from './shard-leader';
import type { CommandOutcome, EngineCommand, LeadershipListener, LocalCommand, VenueDefinition } from './venue';

interface Leadership {
  lease: LeaderLease;
  leader: ShardLeader<unknown>;
}

/**
 * The venue engine on this instance. Venues `register` in onModuleInit; `submit` works on every instance
 * (the shard's leader applies it, locally or through the shard's Redis stream). On APP_ROLE engine/all with
 * ENGINE_ENABLED, a lease pass every third of ENGINE_LEASE_MS renews the shards this instance leads and
 * tries to take every other shard of every registered venue.
 */
@Injectable()
export class VenueEngine implements OnApplicationBootstrap, OnModuleDestroy, OnApplicationShutdown {
  private readonly logger = new Logger('VenueEngine');
  readonly instanceId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly venues = new Map<string, VenueDefinition<unknown>>();
  private readonly leaderships = new Map<string, Leadership>();
  /** Leases of shards not led (yet): kept so an acquisition reuses one object per shard. */
  private readonly idleLeases = new Map<string, LeaderLease>();
  private readonly listeners = new Map<string, LeadershipListener[]>();
  private readonly intake: CommandIntake;
  private readonly pruner: CommandPruner;
  /** The prune run in flight, if any: apart from the lease passes, so a long one never delays a renewal. */
  private pruning: Promise<void> | null = null;
  private readonly leaderDeps: ShardLeaderDeps;
  private running = false;
  private passes: Promise<void> = Promise.resolve();
  private wake: (() => void) | null = null;

  constructor(
    @InjectDataSource() dataSource: DataSource,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly config: AppConfig,
    private readonly metrics: EngineMetrics,
  ) {
    this.intake = new CommandIntake(redis, config.redisKeyPrefix, this.instanceId, config.engineReplyTimeoutMs);
    this.pruner = new CommandPruner(dataSource, redis, config.redisKeyPrefix, this.instanceId, metrics, { retentionMs: config.engineCommandRetentionMs });
    metrics.reportQueueDepths(() => [...this.leaderships.values()].map(({ leader }) => ({ venue: leader.venue, shard: leader.shard, depth: leader.queued })));
    this.leaderDeps = { dataSource, redis, repository: new EngineShardsRepository(), metrics, config, instanceId: this.instanceId };
  }

  register<State>(definition: VenueDefinition<State>): void {
    if (this.venues.has(definition.venue)) throw new Error(`venue ${definition.venue} is registered twice`);
    if (/[:\s]/.test(definition.venue)) throw new Error(`venue name ${definition.venue} must not contain ':' or spaces (it is part of Redis keys)`);
    this.venues.set(definition.venue, definition as VenueDefinition<unknown>);
    this.wake?.();
  }

  /**
   * Applies `command` on the shard's leader and answers once its batch committed. Never rejects: a refusal
   * is an outcome, and when no leader answers within ENGINE_REPLY_TIMEOUT_MS it is a retryable 503
   * EngineUnavailable (retry with the same id). With no leader the command waits in the stream for the next one.
   */
  submit(venue: string, shard: string, command: EngineCommand): Promise<CommandOutcome> {
    this.definitionOf(venue);
    const started = performance.now();
    const local = this.leaderships.get(shardKey(venue, shard))?.leader.submit(command, true);
    const path = local ? 'local' : 'remote';
    return (local ?? this.intake.send(venue, shard, command)).then((outcome) => {
      this.metrics.submitSeconds.observe({ venue, path, result: submitResult(outcome) }, (performance.now() - started) / 1000);
      return outcome;
    });
  }

  /**
   * Queues an input the venue raises itself (a tick, an expiry) when this instance leads the shard, without
   * Redis; false when it does not (the leader raises its own). Without an id the command is neither deduplicated nor stored.
   */
  submitLocal(venue: string, shard: string, command: LocalCommand): Promise<CommandOutcome> | false {
    this.definitionOf(venue);
    const recorded = command.id !== undefined;
    const leader = this.leaderships.get(shardKey(venue, shard))?.leader;
    return leader?.submit({ ...command, id: command.id ?? `local:${randomUUID()}` }, recorded) ?? false;
  }

  /** Runs the next lease pass now instead of at its interval: a venue that lists a new shard gets it led at once. */
  wakeLeasePass(): void {
    this.wake?.();
  }

  isLeader(venue: string, shard: string): boolean {
    return this.leaderships.get(shardKey(venue, shard))?.leader.accepting ?? false;
  }

  /** Called when this instance starts leading a shard of `venue` (after its state loaded) and when it stops; at once for shards it leads already. */
  onLeadership(venue: string, listener: LeadershipListener): void {
    this.listeners.set(venue, [...(this.listeners.get(venue) ?? []), listener]);
    for (const { leader } of this.leaderships.values()) if (leader.venue === venue && leader.accepting) listener({ venue, shard: leader.shard, leading: true });
  }

  onApplicationBootstrap(): void {
    if (!this.config.engineEnabled || (this.config.appRole !== 'engine' && this.config.appRole !== 'all')) return;
    this.running = true;
    this.passes = this.leasePasses();
  }

  /** The first shutdown hook: leaders stop taking commands, finish their batch in flight and free their leases while PostgreSQL and Redis are open. */
  async onModuleDestroy(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.passes;
    await this.pruning;
    await Promise.all([...this.leaderships.keys()].map((key) => this.stepDown(key, 'shutting down', true)));
  }

  /** After HTTP closed: submits still waiting for a remote leader answer 503, and the reply subscriber closes. */
  async onApplicationShutdown(): Promise<void> {
    await this.intake.close();
  }

  /** Stops leading without freeing the leases, as a crashed process would (tests of the takeover). */
  async haltWithoutRelease(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.passes;
    await this.pruning;
    await Promise.all([...this.leaderships.keys()].map((key) => this.stepDown(key, 'halted', false)));
  }

  private definitionOf(venue: string): VenueDefinition<unknown> {
    const definition = this.venues.get(venue);
    if (!definition) throw new Error(`venue ${venue} is not registered with the engine`);
    return definition;
  }

  private get renewEveryMs(): number {
    return Math.max(20, Math.floor(this.config.engineLeaseMs / 3));
  }

  private async leasePasses(): Promise<void> {
    while (this.running) {
      await this.leasePass().catch((error: Error) => this.logger.error(`lease pass failed: ${error.stack ?? error.message}`));
      this.pruneNowAndThen();
      if (this.running) await this.sleep(this.renewEveryMs);
    }
  }

  private async leasePass(): Promise<void> {
    const wanted = new Set<string>();
    const passes: Promise<void>[] = [];
    for (const definition of this.venues.values()) {
      let shards: string[];
      try {
        shards = definition.shards();
      } catch (error) {
        this.logger.error(`${definition.venue}.shards() failed: ${(error as Error).message}`);
        continue;
      }
      for (const shard of shards) {
        wanted.add(shardKey(definition.venue, shard));
        passes.push(this.keepOrTake(definition, shard));
      }
    }
    await Promise.all(passes);
    // A shard the venue no longer lists (a delisted symbol) is let go.
    for (const key of this.leaderships.keys()) if (!wanted.has(key)) await this.stepDown(key, 'no longer listed by its venue', true);
  }

  private async keepOrTake(definition: VenueDefinition<unknown>, shard: string): Promise<void> {
    const key = shardKey(definition.venue, shard);
    const held = this.leaderships.get(key);
    if (held) {
      const renewed = await held.lease.renew().catch((error: Error) => {
        this.logger.warn(`${key}: renewing the lease failed: ${error.message}`);
        return null;
      });
      if (renewed === false) await this.stepDown(key, 'lease expired or taken', false);
      return;
    }
    let lease = this.idleLeases.get(key);
    if (!lease) {
      lease = new LeaderLease(this.redis, engineKeys.leaderLease(this.config.redisKeyPrefix, definition.venue, shard), this.config.engineLeaseMs);
      this.idleLeases.set(key, lease);
    }
    const token = await lease.acquire();
    if (token === null) return;
    try {
      const taken = await ShardLeader.take(this.leaderDeps, definition, shard, token, (reason) => void this.lost(key, reason));
      if ('heldToken' in taken) {
        this.logger.error(`${key}: the shard row holds token ${taken.heldToken}, above the lease's ${token} (was Redis reset?); raising the fence counter`);
        await lease.raiseFenceTo(taken.heldToken);
        await lease.release();
        return;
      }
      this.idleLeases.delete(key);
      this.leaderships.set(key, { lease, leader: taken.leader });
      this.logger.log(`leading ${key} (fencing token ${token})`);
      if (!this.running) await this.stepDown(key, 'shutting down', true);
      else this.notify(definition.venue, shard, true);
    } catch (error) {
      this.logger.error(`${key}: taking over failed: ${(error as Error).stack ?? String(error)}`);
      await lease.release().catch(() => lease.forget());
    }
  }

  /** engine_commands past ENGINE_COMMAND_RETENTION_MS: at most once a minute, on one instance of the fleet (see CommandPruner). */
  private pruneNowAndThen(): void {
    if (this.pruning || !this.running) return;
    this.pruning = this.pruner
      .pruneIfDue(() => this.running)
      .then(
        () => undefined,
        (error: Error) => this.logger.warn(`pruning engine_commands failed: ${error.message}`),
      )
      .finally(() => (this.pruning = null));
  }

  /** The leader ended itself (fenced out, or its state could not be rebuilt): its batch loop is over already. */
  private async lost(key: string, reason: string): Promise<void> {
    const held = this.leaderships.get(key);
    if (!held) return;
    this.leaderships.delete(key);
    this.idleLeases.set(key, held.lease);
    await held.lease.release().catch(() => held.lease.forget());
    this.logger.warn(`${key}: no longer leading: ${reason}`);
    this.notify(held.leader.venue, held.leader.shard, false);
  }

  private async stepDown(key: string, reason: string, release: boolean): Promise<void> {
    const held = this.leaderships.get(key);
    if (!held) return;
    this.leaderships.delete(key);
    this.notify(held.leader.venue, held.leader.shard, false);
    await held.leader.stop();
    if (release) await held.lease.release().catch(() => held.lease.forget());
    else held.lease.forget();
    this.idleLeases.set(key, held.lease);
    this.logger.log(`${key}: stopped leading: ${reason}`);
  }

  private notify(venue: string, shard: string, leading: boolean): void {
    for (const listener of this.listeners.get(venue) ?? []) {
      try {
        listener({ venue, shard, leading });
      } catch (error) {
        this.logger.error(`leadership listener of ${venue} failed: ${(error as Error).message}`);
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }
}

function submitResult(outcome: CommandOutcome): SubmitResult {
  if (outcome.ok) return 'ok';
  return outcome.refusal.error === 'EngineUnavailable' ? 'unavailable' : 'refused';
}

function shardKey(venue: string, shard: string): string {
  return `${venue}:${shard}`;
}
