import { Module } from '@nestjs/common';
import { ChainsController } from './chains.controller';
import { ChainsService } from './chains.service';
import { EvmChain } from './evm/evm-chain.service';

/**
 * On-chain money and public entropy: the configured EVM chain (the dev chain by default: anvil started or
 * connected to, contracts deployed), and what clients need to know about it (GET /api/v1/chains).
 */
@Module({
  controllers: [ChainsController],
  providers: [EvmChain, ChainsService],
  exports: [EvmChain, ChainsService],
})
export class BlockchainModule {}
