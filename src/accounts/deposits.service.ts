import { Injectable } from '@nestjs/common';
import type { ChainName } from '../config/app-config';

/** A deposit event as a chain watcher read it (EVM `Deposited` log, Aptos vault deposit event). */
export interface ObservedDeposit {
  chain: ChainName;
  /** EVM chain id, or the Aptos chain id, as a decimal string. */
  chainId: string;
  txHash: string;
  /** EVM log index in its block; Aptos: the event's index in its transaction. */
  logIndex: number;
  /** EVM block number; Aptos: the transaction version. */
  blockNumber: bigint;
  /** EVM block hash (a replaced block drops its logs); null on Aptos, final on commit. */
  blockHash: string | null;
  /** The depositor, canonical for its chain (src/accounts/chain-address.ts). */
  fromAddress: string;
  asset: string;
  amount: bigint;
}

/**
 * Deposit records (`deposits`, owned by accounts): each on-chain deposit once by (chainId, txHash, logIndex),
 * SEEN → CONFIRMED → CREDITED, unknown depositors held as unassigned for an admin.
 * CONTRACT STUB: being implemented on the `deposits` branch; the signatures below are what watchers call.
 */
@Injectable()
export class DepositsService {
  /** Final deposits (Aptos: final on commit) recorded and credited at once; a repeat of a recorded one is a no-op. */
  recordFinal(deposits: ObservedDeposit[]): Promise<void> {
    void deposits;
    return Promise.reject(new Error('DepositsService.recordFinal is not implemented yet'));
  }
}
