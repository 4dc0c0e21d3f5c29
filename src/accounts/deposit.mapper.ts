import { Injectable } from '@nestjs/common';
import { AssetsService } from './assets.service';
import { DepositChainHeads } from './deposit-chain-heads';
import { AdminDepositDto, DepositDto } from './deposit.dto';
import { DepositEntity } from './deposit.entity';

/** A `deposits` row as `manager.query` returns it (snake_case, numerics as strings). */
export interface DepositRow {
  id: string;
  chain: string;
  chain_id: string;
  chain_epoch: string;
  tx_hash: string;
  log_index: number;
  block_number: string;
  block_hash: string | null;
  from_address: string;
  user_id: string | null;
  asset: string;
  amount: string;
  status: DepositEntity['status'];
  note: string | null;
  return_tx_hash: string | null;
  return_attempts: number;
  credited_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export function depositFromRow(row: DepositRow): DepositEntity {
  return Object.assign(new DepositEntity(), {
    id: row.id,
    chain: row.chain,
    chainId: row.chain_id,
    chainEpoch: row.chain_epoch,
    txHash: row.tx_hash,
    logIndex: row.log_index,
    blockNumber: BigInt(row.block_number),
    blockHash: row.block_hash,
    fromAddress: row.from_address,
    userId: row.user_id,
    asset: row.asset,
    amount: BigInt(row.amount),
    status: row.status,
    note: row.note,
    returnTxHash: row.return_tx_hash,
    returnAttempts: row.return_attempts,
    creditedAt: row.credited_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  });
}

@Injectable()
export class DepositMapper {
  constructor(
    private readonly assets: AssetsService,
    private readonly heads: DepositChainHeads,
  ) {}

  /** Uses the chain heads last read (`DepositChainHeads.current()` first for a fresh count). */
  toDto(deposit: DepositEntity): DepositDto {
    const head = this.heads.of(deposit);
    const confirmations = head ? Math.max(0, Number(head.head - deposit.blockNumber) + 1) : null;
    return {
      id: deposit.id,
      chain: deposit.chain,
      chainId: deposit.chainId,
      txHash: deposit.txHash,
      logIndex: deposit.logIndex,
      blockNumber: deposit.blockNumber.toString(),
      fromAddress: deposit.fromAddress,
      asset: deposit.asset,
      amount: this.assets.format(deposit.asset, deposit.amount),
      status: deposit.status,
      confirmations,
      requiredConfirmations: head?.requiredConfirmations ?? null,
      createdAt: deposit.createdAt.toISOString(),
      creditedAt: deposit.creditedAt?.toISOString() ?? null,
    };
  }

  toAdminDto(deposit: DepositEntity): AdminDepositDto {
    return {
      ...this.toDto(deposit),
      userId: deposit.userId,
      blockHash: deposit.blockHash,
      chainEpoch: deposit.chainEpoch,
      note: deposit.note,
      returnTxHash: deposit.returnTxHash,
      updatedAt: deposit.updatedAt.toISOString(),
    };
  }
}
