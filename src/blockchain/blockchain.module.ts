import { Module } from '@nestjs/common';
import { AccountsModule } from '../accounts/accounts.module';
import { HealthModule } from '../health/health.module';
import { ChainsController } from './chains.controller';
import { ChainsService } from './chains.service';
import { DepositCursorsRepository } from './evm/deposit-watcher/deposit-cursors.repository';
import { DepositWatcher } from './evm/deposit-watcher/deposit-watcher.service';
import { DepositWatcherMetrics } from './evm/deposit-watcher/deposit-watcher.metrics';
import { EvmVaultReconciliation } from './evm/deposit-watcher/vault-reconciliation';
import { EvmChain } from './evm/evm-chain.service';

/**
 * On-chain money and public entropy: the configured EVM chain (the dev chain by default: anvil started or
 * connected to, contracts deployed), what clients need to know about it (GET /api/v1/chains), and the deposit
 * watcher that credits the vault's `Deposited` logs (evm/deposit-watcher).
 */
@Module({
  imports: [AccountsModule, HealthModule],
  controllers: [ChainsController],
  providers: [EvmChain, ChainsService, DepositCursorsRepository, DepositWatcherMetrics, DepositWatcher, EvmVaultReconciliation],
  exports: [EvmChain, ChainsService],
})
export class BlockchainModule {}
