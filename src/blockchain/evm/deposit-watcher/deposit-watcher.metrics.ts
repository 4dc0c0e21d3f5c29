import { Injectable } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { MetricsService } from '../../../health/metrics.service';

/** The deposit watcher's Prometheus metrics (set on the leading instance). */
@Injectable()
export class DepositWatcherMetrics {
  readonly logsSeen: Counter;
  readonly credited: Counter<'outcome'>;
  readonly reorgs: Counter;
  readonly cursorBlock: Gauge;
  readonly lagBlocks: Gauge;

  constructor(metrics: MetricsService) {
    const registers = [metrics.registry];
    this.logsSeen = new Counter({ name: 'evm_deposit_logs_seen_total', help: 'Deposited logs recorded (or moved to a new block) by the watcher', registers });
    this.credited = new Counter({
      name: 'evm_deposits_settled_total',
      help: 'Deposits confirmed and credited to a user, held unassigned, or dropped (block replaced before confirmation)',
      labelNames: ['outcome'] as const,
      registers,
    });
    this.reorgs = new Counter({ name: 'evm_deposit_watcher_reorgs_total', help: 'Times the cursor’s block was replaced and the watcher walked back', registers });
    this.cursorBlock = new Gauge({ name: 'evm_deposit_watcher_cursor_block', help: 'Last block whose Deposited logs are recorded', registers });
    this.lagBlocks = new Gauge({ name: 'evm_deposit_watcher_lag_blocks', help: 'Blocks between the chain head and the cursor', registers });
  }
}
