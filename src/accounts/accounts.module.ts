import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { HealthModule } from '../health/health.module';
import { RealtimeModule } from '../realtime/realtime.module';
import { AccountsRealtime } from './accounts.realtime';
import { AccountsController } from './accounts.controller';
import { AccountsAdminController } from './accounts.admin.controller';
import { AccountsService } from './accounts.service';
import { AssetsService } from './assets.service';
import { DepositChainHeads } from './deposit-chain-heads';
import { DepositMapper } from './deposit.mapper';
import { DepositReviewService } from './deposit-review.service';
import { DepositsAdminController } from './deposits.admin.controller';
import { DepositsController } from './deposits.controller';
import { DepositsRealtime } from './deposits.realtime';
import { DepositsService } from './deposits.service';
import { LedgerMetrics } from './ledger-metrics';
import { LedgerService } from './ledger.service';
import { LEDGER_RECONCILIATION_QUEUE, ReconciliationProcessor } from './reconciliation.processor';
import { ReconciliationService } from './reconciliation.service';
import { WithdrawalsService } from './withdrawals.service';

@Module({
  imports: [AuthModule, HealthModule, RealtimeModule, BullModule.registerQueue({ name: LEDGER_RECONCILIATION_QUEUE })],
  controllers: [AccountsController, AccountsAdminController, DepositsController, DepositsAdminController],
  providers: [
    AccountsRealtime,
    AssetsService,
    LedgerService,
    LedgerMetrics,
    AccountsService,
    WithdrawalsService,
    ReconciliationService,
    ReconciliationProcessor,
    DepositChainHeads,
    DepositMapper,
    DepositsService,
    DepositReviewService,
    DepositsRealtime,
  ],
  exports: [LedgerService, AssetsService, AccountsService, ReconciliationService, DepositsService, DepositReviewService, DepositChainHeads, WithdrawalsService],
})
export class AccountsModule {}
