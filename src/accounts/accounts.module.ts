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
import { DepositsService } from './deposits.service';
import { LedgerService } from './ledger.service';
import { LEDGER_RECONCILIATION_QUEUE, ReconciliationProcessor } from './reconciliation.processor';
import { ReconciliationService } from './reconciliation.service';
import { WithdrawalsService } from './withdrawals.service';

@Module({
  imports: [AuthModule, HealthModule, RealtimeModule, BullModule.registerQueue({ name: LEDGER_RECONCILIATION_QUEUE })],
  controllers: [AccountsController, AccountsAdminController],
  providers: [AccountsRealtime, AssetsService, LedgerService, AccountsService, WithdrawalsService, ReconciliationService, ReconciliationProcessor, DepositsService],
  exports: [LedgerService, AssetsService, AccountsService, ReconciliationService, DepositsService, WithdrawalsService],
})
export class AccountsModule {}
