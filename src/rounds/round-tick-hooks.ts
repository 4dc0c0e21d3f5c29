import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';

/** Work that must see a tick before the next one is generated: it runs while the round still shows that tick. */
export type RoundTickHook = (roundId: string, tick: number) => Promise<void>;

/**
 * Hooks the round engine awaits after each tick it persisted and published (tick 0 once a round started),
 * before it generates the next: the strategy runner places its stakes there, so they land at the close of the
 * tick their rule fired on, as an exact backtest assumes. Bounded: the engine waits at most one tick
 * interval (or ROUND_TICK_HOOK_BUDGET_MS if longer), so a slow hook delays a round by a tick, never stalls it.
 */
@Injectable()
export class RoundTickHooks {
  private readonly logger = new Logger('RoundTickHooks');
  private readonly hooks: RoundTickHook[] = [];

  /** ROUND_TICK_HOOK_BUDGET_MS: the least a tick's hooks are given (a stake's transaction on a busy machine can take longer than a short tick). */
  constructor(private readonly config: AppConfig) {}

  register(hook: RoundTickHook): void {
    this.hooks.push(hook);
  }

  async afterTick(roundId: string, tick: number, tickMs: number): Promise<void> {
    if (this.hooks.length === 0) return;
    const budgetMs = Math.max(tickMs, this.config.roundTickHookBudgetMs);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), budgetMs)));
    const done = Promise.allSettled(this.hooks.map((hook) => hook(roundId, tick))).then(() => 'done' as const);
    const outcome = await Promise.race([done, timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') this.logger.warn(`round ${roundId} tick ${tick}: tick hooks took longer than ${budgetMs} ms; ticking on`);
  }
}
