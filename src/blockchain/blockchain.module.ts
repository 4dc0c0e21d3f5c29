import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { AccountsModule } from '../accounts/accounts.module';
import { ChainsController } from './chains.controller';
import { ChainsService } from './chains.service';
import { EvmChain } from './evm/evm-chain.service';
import { OperatorTransactions } from './evm/operator-transactions.service';
import { VaultPayouts } from './evm/vault-payouts.service';
import { CHAIN_SETTLEMENT_QUEUE, ChainSettlementJobs, ChainSettlementProcessor, ChainSettlementTriggers } from './seed-commitments/chain-settlement.processor';
import { SeedCommitmentsRecorder } from './seed-commitments/seed-commitments.recorder';
import { WITHDRAWALS_QUEUE, WithdrawalJobs } from './withdrawals/withdrawal-jobs';
import { WithdrawalSendProcessor } from './withdrawals/withdrawal-send.processor';
import { WithdrawalSender } from './withdrawals/withdrawal-sender.service';
import { WithdrawalsSweep } from './withdrawals/withdrawals-sweep';

/**
 * On-chain money and public entropy: the configured EVM chain (the dev chain by default: anvil started or
 * connected to, contracts deployed), and what clients need to know about it (GET /api/v1/chains); the operator
 * transactions (every transaction the operator key signs), the `withdrawals` sender and the `chain-settlement`
 * job recording seed commitments.
 */
@Module({
  imports: [AccountsModule, BullModule.registerQueue({ name: WITHDRAWALS_QUEUE }, { name: CHAIN_SETTLEMENT_QUEUE })],
  controllers: [ChainsController],
  providers: [
    EvmChain,
    ChainsService,
    OperatorTransactions,
    VaultPayouts,
    WithdrawalSender,
    WithdrawalJobs,
    WithdrawalSendProcessor,
    WithdrawalsSweep,
    SeedCommitmentsRecorder,
    ChainSettlementJobs,
    ChainSettlementTriggers,
    ChainSettlementProcessor,
  ],
  exports: [EvmChain, ChainsService, OperatorTransactions, VaultPayouts, SeedCommitmentsRecorder],
})
export class BlockchainModule {}
