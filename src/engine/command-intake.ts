import { Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import { decodeReplies, encodeStreamEntry } from './command-stream';
import { engineUnavailable } from './engine-errors';
import { engineKeys } from './engine-keys';
import type { CommandOutcome, EngineCommand } from './venue';

type Waiter = (outcome: CommandOutcome) => void;

/**
 * The submitting side on an instance that does not lead the shard: XADD to the shard's stream, then wait
 * for the leader's answer on this instance's reply channel (one subscriber connection, opened on first use).
 */
export class CommandIntake {
  private readonly logger = new Logger('VenueEngine');
  private readonly waiters = new Map<string, Set<Waiter>>();
  private subscriber: Redis | null = null;
  /** XADDs of concurrent submits leave in one write (auto-pipelining), on a connection apart from the shared one. */
  private writer: Redis | null = null;
  private subscribed: Promise<void> | null = null;
  private closed = false;
  readonly replyChannel: string;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    instanceId: string,
    private readonly replyTimeoutMs: number,
  ) {
    this.replyChannel = engineKeys.replyChannel(prefix, instanceId);
  }

  async send(venue: string, shard: string, command: EngineCommand): Promise<CommandOutcome> {
    if (this.closed) return engineUnavailable('this instance is shutting down');
    // Waiting before the XADD: the answer may arrive before XADD's own reply does.
    const outcome = this.waitFor(command.id);
    try {
      await this.listen();
      this.writer ??= this.redis.duplicate({ enableAutoPipelining: true });
      await this.writer.xadd(engineKeys.commandStream(this.prefix, venue, shard), '*', ...encodeStreamEntry(command, this.replyChannel));
    } catch (error) {
      this.logger.warn(`could not queue ${venue}/${shard} command ${command.id}: ${(error as Error).message}`);
      this.settle(command.id, engineUnavailable('the command could not be queued'));
    }
    return outcome;
  }

  /** Answers every waiting submit (retryable) and closes the subscriber connection. */
  async close(): Promise<void> {
    this.closed = true;
    for (const id of [...this.waiters.keys()]) this.settle(id, engineUnavailable('this instance is shutting down'));
    await this.subscriber?.quit().catch(() => this.subscriber?.disconnect());
    await this.writer?.quit().catch(() => this.writer?.disconnect());
  }

  private waitFor(id: string): Promise<CommandOutcome> {
    return new Promise((resolve) => {
      const waiters = this.waiters.get(id) ?? new Set<Waiter>();
      this.waiters.set(id, waiters);
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        if (waiters.size === 0 && this.waiters.get(id) === waiters) this.waiters.delete(id);
        resolve(engineUnavailable(`no answer from the shard's leader within ${this.replyTimeoutMs} ms`));
      }, this.replyTimeoutMs);
      const waiter: Waiter = (outcome) => {
        clearTimeout(timer);
        resolve(outcome);
      };
      waiters.add(waiter);
    });
  }

  private settle(id: string, outcome: CommandOutcome): void {
    const waiters = this.waiters.get(id);
    if (!waiters) return;
    this.waiters.delete(id);
    for (const waiter of waiters) waiter(outcome);
  }

  private listen(): Promise<void> {
    if (this.subscribed) return this.subscribed;
    const subscriber = this.redis.duplicate();
    this.subscriber = subscriber;
    subscriber.on('error', (error: Error) => this.logger.warn(`reply subscriber: ${error.message}`));
    subscriber.on('message', (_channel: string, message: string) => {
      for (const reply of decodeReplies(message)) this.settle(reply.id, reply.outcome);
    });
    this.subscribed = subscriber.subscribe(this.replyChannel).then(
      () => undefined,
      (error: unknown) => {
        // The next submit tries again with a fresh connection.
        this.subscribed = null;
        this.subscriber = null;
        subscriber.disconnect();
        throw error;
      },
    );
    return this.subscribed;
  }
}
