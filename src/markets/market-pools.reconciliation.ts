import { Injectable, OnModuleInit } from '@nestjs/common';
import { ReconciliationService } from '../accounts/reconciliation.service';
import { MarketQueriesService } from './market-queries.service';

/** Adds "every unsettled market's pool can pay its worst outcome" to the ledger reconciliation. */
@Injectable()
export class MarketPoolsReconciliation implements OnModuleInit {
  constructor(
    private readonly reconciliation: ReconciliationService,
    private readonly queries: MarketQueriesService,
  ) {}

  onModuleInit(): void {
    this.reconciliation.registerCheck({
      name: 'marketPools',
      run: async () => {
        const report = await this.queries.poolCheck();
        return { ok: report.ok, details: { marketsChecked: report.marketsChecked, violations: report.violations } };
      },
    });
  }
}
