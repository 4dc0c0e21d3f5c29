import { Injectable, OnModuleInit } from '@nestjs/common';
import { ReconciliationService } from '../accounts/reconciliation.service';
import { MarketQueriesService } from './market-queries.service';
import { MarketOrdersService } from './market-orders.service';

/**
 * Adds "every unsettled market's pool can pay its worst outcome" and "every open sell order's shares are held by
 * its owner" to the ledger reconciliation.
 */
@Injectable()
export class MarketPoolsReconciliation implements OnModuleInit {
  constructor(
    private readonly reconciliation: ReconciliationService,
    private readonly queries: MarketQueriesService,
    private readonly orders: MarketOrdersService,
  ) {}

  onModuleInit(): void {
    this.reconciliation.registerCheck({
      name: 'marketPools',
      run: async () => {
        const report = await this.queries.poolCheck();
        return { ok: report.ok, details: { marketsChecked: report.marketsChecked, violations: report.violations } };
      },
    });
    this.reconciliation.registerCheck({
      name: 'marketOrderShares',
      run: async () => {
        const oversold = await this.orders.oversoldPositions();
        return { ok: oversold.length === 0, details: { oversold } };
      },
    });
  }
}
