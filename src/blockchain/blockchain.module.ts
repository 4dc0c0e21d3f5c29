import { Module } from '@nestjs/common';
import { ChainsController } from './chains.controller';
import { ChainsService } from './chains.service';
import { EvmChainModule } from './evm/evm-chain.module';

/**
 * On-chain money and public entropy: the configured EVM chain (the dev chain by default: anvil started or
 * connected to, contracts deployed), and what clients need to know about it (GET /api/v1/chains).
 */
@Module({
  imports: [EvmChainModule],
  controllers: [ChainsController],
  providers: [ChainsService],
  exports: [EvmChainModule, ChainsService],
})
export class BlockchainModule {}
