import { Module } from '@nestjs/common';
import { AccountsModule } from '../accounts/accounts.module';
import { AptosChain } from './aptos/aptos-chain.service';
import { AptosDepositCursors } from './aptos/aptos-deposit-cursors';
import { AptosDepositWatcher } from './aptos/aptos-deposit-watcher.service';
import { ChainsController } from './chains.controller';
import { ChainsService } from './chains.service';
import { EvmChainModule } from './evm/evm-chain.module';

/**
 * On-chain money and public entropy: the configured EVM chain (the dev chain by default: anvil started or
 * connected to, contracts deployed), the Aptos network when APTOS_NETWORK is set (vault deposits, round salt draws;
 * aptos/), and what clients need to know about them (GET /api/v1/chains).
 */
@Module({
  imports: [EvmChainModule, AccountsModule],
  controllers: [ChainsController],
  providers: [ChainsService, AptosChain, AptosDepositCursors, AptosDepositWatcher],
  exports: [EvmChainModule, ChainsService, AptosChain],
})
export class BlockchainModule {}
