import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { AccountsModule } from '../accounts/accounts.module';
import { HealthModule } from '../health/health.module';
import { AptosChain } from './aptos/aptos-chain.service';
import { AptosDepositCursors } from './aptos/aptos-deposit-cursors';
import { AptosDepositWatcher } from './aptos/aptos-deposit-watcher.service';
import { ChainsController } from './chains.controller';
import { ChainsService } from './chains.service';
import { Clock } from './evm/clock';
import { DepositCursorsRepository } from './evm/deposit-watcher/deposit-cursors.repository';
import { DepositWatcher } from './evm/deposit-watcher/deposit-watcher.service';
import { DepositWatcherMetrics } from './evm/deposit-watcher/deposit-watcher.metrics';
import { EvmVaultReconciliation } from './evm/deposit-watcher/vault-reconciliation';
import { EvmChainModule } from './evm/evm-chain.module';
import { OperatorTransactions } from './evm/operator-transactions.service';
import { VaultPayouts } from './evm/vault-payouts.service';
import { CHAIN_SETTLEMENT_QUEUE, ChainSettlementJobs, ChainSettlementProcessor, ChainSettlementTriggers } from './seed-commitments/chain-settlement.processor';
import { SeedCommitmentsRecorder } from './seed-commitments/seed-commitments.recorder';
import { DepositReturnSender } from './withdrawals/deposit-return-sender.service';
import { WITHDRAWALS_QUEUE, WithdrawalJobs } from './withdrawals/withdrawal-jobs';
import { WithdrawalSendProcessor } from './withdrawals/withdrawal-send.processor';
import { WithdrawalSender } from './withdrawals/withdrawal-sender.service';
import { WithdrawalsSweep } from './withdrawals/withdrawals-sweep';

/**
 * On-chain money and public entropy: the configured EVM chain (the dev chain by default: anvil started or
 * connected to, contracts deployed), the deposit watcher that credits the vault's `Deposited` logs
 * (evm/deposit-watcher), the operator transactions (every transaction the operator key signs), the `withdrawals`
 * sender and the `chain-settlement` job recording seed commitments, the Aptos network when APTOS_NETWORK is set
 * (vault deposits, round salt draws; aptos/), and what clients need to know about them (GET /api/v1/chains).
 */
@Module({
  imports: [EvmChainModule, AccountsModule, HealthModule, BullModule.registerQueue({ name: WITHDRAWALS_QUEUE }, { name: CHAIN_SETTLEMENT_QUEUE })],
  controllers: [ChainsController],
  providers: [
    ChainsService,
    AptosChain,
    AptosDepositCursors,
    AptosDepositWatcher,
    DepositCursorsRepository,
    DepositWatcherMetrics,
    DepositWatcher,
    EvmVaultReconciliation,
    Clock,
    OperatorTransactions,
    VaultPayouts,
    WithdrawalSender,
    DepositReturnSender,
    WithdrawalJobs,
    WithdrawalSendProcessor,
    WithdrawalsSweep,
    SeedCommitmentsRecorder,
    ChainSettlementJobs,
    ChainSettlementTriggers,
    ChainSettlementProcessor,
  ],
  exports: [EvmChainModule, ChainsService, AptosChain, OperatorTransactions, VaultPayouts, SeedCommitmentsRecorder],
})
export class BlockchainModule {}
