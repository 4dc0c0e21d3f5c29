import { Module } from '@nestjs/common';
import { EvmChain } from './evm-chain.service';
import { SmartWalletSignatures } from './smart-wallet-signatures.service';

/**
 * The configured EVM chain on its own, without the blockchain features built on it, so modules the features
 * depend on (auth checks smart-wallet signatures through it) can import it without an import cycle.
 */
@Module({
  providers: [EvmChain, SmartWalletSignatures],
  exports: [EvmChain, SmartWalletSignatures],
})
export class EvmChainModule {}
