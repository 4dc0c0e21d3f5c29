import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { Contract } from 'ethers';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { EvmChain } from '../evm/evm-chain.service';
import { hexToBytes32, uuidToBytes32 } from '../evm/ids';
import { OperatorCallReverted, OperatorTransactions } from '../evm/operator-transactions.service';
import { SeedCommitmentSource } from './seed-commitment-source';
import { SeedCommitmentEntity } from './seed-commitment.entity';

/** Where a round's seed (and its chain's terminal hash) is recorded on chain: anyone can look both up. */
export interface SeedCommitmentReference {
  /** EVM chain id and the SeedCommitments contract. */
  chainId: number;
  contract: string;
  /** The ids the contract uses (`reveals(roundId)`, `chains(seedChainId)`): the UUIDs as bytes32. */
  roundId: string;
  seedChainId: string;
  reveal: OnChainRecord;
  chainCommitment: OnChainRecord | null;
}

export interface OnChainRecord {
  /** Null when it was found already on chain, recorded by a transaction this server could not name. */
  txHash: string | null;
  blockNumber: number | null;
  blockHash: string | null;
}

export interface RecordPass {
  chainsCommitted: number;
  seedsSent: number;
  /** Something is still waiting for its confirmations: the next pass finishes it. */
  pending: boolean;
}

/** A recording transaction not mined this long is cancelled and its batch made again (its nonce would block every later one). */
const STUCK_AFTER_MS = 10 * 60_000;

/**
 * Records the rounds module's seed commitments in the SeedCommitments contract through the operator transactions:
 * each seed chain's terminal hash (`commitChain`, as soon as the chain exists, so before its first round) and the
 * revealed seeds (`revealSeeds`, batches of SEED_REVEAL_BATCH_SIZE in round order, one batch in flight at a time,
 * each after its chain's commitment is confirmed). What is recorded, or in flight, is kept in `seed_commitments`,
 * written in the same transaction that stores the batch's operator transaction, so a pass run twice, on two
 * instances, or after a crash makes each batch once; a batch that reverted or was cancelled is made again.
 */
@Injectable()
export class SeedCommitmentsRecorder {
  private readonly logger = new Logger(SeedCommitmentsRecorder.name);
  private source: SeedCommitmentSource | undefined;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly evm: EvmChain,
    private readonly operator: OperatorTransactions,
    private readonly config: AppConfig,
  ) {}

  /** The rounds module registers where its chains and revealed seeds come from. */
  useSource(source: SeedCommitmentSource): void {
    this.source = source;
  }

  get enabled(): boolean {
    return this.source !== undefined && this.evm.configured && this.evm.seedCommitments !== undefined;
  }

  /** One pass: finish what is in flight, commit new chains, reveal new seeds; waits up to `waitMs` per transaction. */
  async record(waitMs = 30_000): Promise<RecordPass> {
    const pass: RecordPass = { chainsCommitted: 0, seedsSent: 0, pending: false };
    if (!this.enabled) return pass;
    const network = await this.operator.network();
    if (!(await this.settleInFlight(network, waitMs))) return { ...pass, pending: true };
    pass.chainsCommitted = await this.commitChains(network);
    if (pass.chainsCommitted > 0 && !(await this.settleInFlight(network, waitMs))) return { ...pass, pending: true };
    for (;;) {
      const sent = await this.revealNextBatch(network);
      if (sent === 0) return pass;
      pass.seedsSent += sent;
      if (!(await this.settleInFlight(network, waitMs))) return { ...pass, pending: true };
    }
  }

  /** The on-chain record of a round's revealed seed, once its transaction is confirmed; undefined before (or with no chain). */
  async referenceFor(roundId: string): Promise<SeedCommitmentReference | undefined> {
    if (!this.evm.configured || !this.evm.seedCommitments) return undefined;
    const network = await this.operator.network();
    const repository = this.dataSource.getRepository(SeedCommitmentEntity);
    const reveal = await repository.findOne({ where: { network, subjectKind: 'round', subjectId: roundId } });
    if (!reveal?.recordedAt) return undefined;
    const chain = await repository.findOne({ where: { network, subjectKind: 'chain', subjectId: reveal.seedChainId } });
    return {
      chainId: this.evm.config!.chainId,
      contract: this.evm.addresses.seedCommitments!,
      roundId: uuidToBytes32(roundId),
      seedChainId: uuidToBytes32(reveal.seedChainId),
      reveal: onChainRecord(reveal),
      chainCommitment: chain?.recordedAt ? onChainRecord(chain) : null,
    };
  }

  private get contract(): Contract {
    return this.evm.seedCommitments!;
  }

  /** Waits for every in-flight transaction; true when none is left pending. */
  private async settleInFlight(network: string, waitMs: number): Promise<boolean> {
    const inFlight = (await this.dataSource.query(
      `SELECT DISTINCT tx_key FROM seed_commitments WHERE network = $1 AND recorded_at IS NULL AND tx_key IS NOT NULL`,
      [network],
    )) as { tx_key: string }[];
    let settled = true;
    for (const { tx_key: key } of inFlight) {
      const outcome = await this.operator.waitForOutcome(key, waitMs);
      if (outcome.state === 'confirmed') {
        await this.dataSource.transaction(async (manager) => {
          const recorded = (await manager.query(
            `WITH recorded AS (
               UPDATE seed_commitments SET tx_hash = $3, block_number = $4, block_hash = $5, recorded_at = now()
                WHERE network = $1 AND tx_key = $2 AND recorded_at IS NULL
               RETURNING subject_kind, subject_id
             ) SELECT subject_id FROM recorded WHERE subject_kind = 'round'`,
            [network, key, outcome.tx.txHash, outcome.tx.blockNumber, outcome.tx.blockHash],
          )) as { subject_id: string }[];
          if (recorded.length > 0) await this.source!.seedsRecorded(manager, recorded.map((row) => ({ roundId: row.subject_id, txHash: outcome.tx.txHash })));
        });
      } else if (outcome.state === 'pending') {
        settled = false;
        if (!outcome.mined && !outcome.cancelling && Date.now() - outcome.tx.createdAt.getTime() > STUCK_AFTER_MS) await this.operator.cancel(key);
      } else {
        this.logger.warn(`seed commitment transaction ${key} ${outcome.state} (${outcome.tx.txHash}); its records are made again`);
        await this.dataSource.query(`DELETE FROM seed_commitments WHERE network = $1 AND tx_key = $2 AND recorded_at IS NULL`, [network, key]);
      }
    }
    return settled;
  }

  private async commitChains(network: string): Promise<number> {
    const chains = await this.source!.seedChains();
    const recorded = new Set(
      (
        (await this.dataSource.query(`SELECT subject_id FROM seed_commitments WHERE network = $1 AND subject_kind = 'chain'`, [network])) as {
          subject_id: string;
        }[]
      ).map((row) => row.subject_id),
    );
    let committed = 0;
    for (const chain of chains.filter((candidate) => !recorded.has(candidate.id))) {
      const chainId = uuidToBytes32(chain.id);
      const onChain = (await this.contract.getFunction('chains').staticCall(chainId)) as [string, bigint, bigint];
      if (onChain[2] !== 0n) {
        await this.recordFoundOnChain(network, chain.id, chainId);
        continue;
      }
      const key = `seed-chain:${network}:${chain.id}:${randomUUID().slice(0, 8)}`;
      const data = this.contract.interface.encodeFunctionData('commitChain', [chainId, hexToBytes32(chain.terminalHash), chain.length]);
      const stored = await this.storeBatch(network, key, data, (manager) => this.recordedChain(manager, network, chain.id), [
        { subjectKind: 'chain', subjectId: chain.id, seedChainId: chain.id, roundNumber: null },
      ]);
      if (stored) committed += 1;
    }
    return committed;
  }

  /** Sends the next batch of revealed seeds (one chain's, in round order); answers how many, 0 when there is nothing to send now. */
  private async revealNextBatch(network: string): Promise<number> {
    const cursor = async (manager: EntityManager) =>
      Number(
        (
          (await manager.query(`SELECT coalesce(max(round_number), 0) AS number FROM seed_commitments WHERE network = $1 AND subject_kind = 'round'`, [network])) as {
            number: number;
          }[]
        )[0].number,
      );
    const after = await cursor(this.dataSource.manager);
    const revealed = await this.source!.revealedAfter(after, this.config.chains.seedRevealBatchSize);
    if (revealed.length === 0) return 0;
    const seedChainId = revealed[0].seedChainId;
    const otherChain = revealed.findIndex((round) => round.seedChainId !== seedChainId);
    const batch = otherChain === -1 ? revealed : revealed.slice(0, otherChain);
    const chainRecord = await this.dataSource.getRepository(SeedCommitmentEntity).findOne({ where: { network, subjectKind: 'chain', subjectId: seedChainId } });
    // revealSeeds reverts for a chain the contract does not know yet: wait for its commitment's confirmations.
    if (!chainRecord?.recordedAt) return 0;

    const key = `seed-reveal:${network}:${batch[0].roundId}:${randomUUID().slice(0, 8)}`;
    const data = this.contract.interface.encodeFunctionData('revealSeeds', [
      uuidToBytes32(seedChainId),
      batch.map((round) => uuidToBytes32(round.roundId)),
      batch.map((round) => hexToBytes32(round.serverSeed)),
    ]);
    const stored = await this.storeBatch(
      network,
      key,
      data,
      async (manager) => (await cursor(manager)) !== after,
      batch.map((round) => ({ subjectKind: 'round' as const, subjectId: round.roundId, seedChainId, roundNumber: round.number })),
    );
    return stored ? batch.length : 0;
  }

  /**
   * Under the network's advisory lock: unless `alreadyDone` (another pass made it meanwhile), stores the operator
   * transaction and the records it covers in one transaction, then broadcasts it. True when it stored one.
   */
  private async storeBatch(
    network: string,
    key: string,
    data: string,
    alreadyDone: (manager: EntityManager) => Promise<boolean>,
    records: Pick<SeedCommitmentEntity, 'subjectKind' | 'subjectId' | 'seedChainId' | 'roundNumber'>[],
  ): Promise<boolean> {
    let stored: boolean;
    try {
      stored = await this.dataSource.transaction(async (manager) => {
        await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`seed-commitments:${network}`]);
        if (await alreadyDone(manager)) return false;
        await this.operator.prepare({ key, to: this.evm.addresses.seedCommitments!, data }, manager);
        await manager.getRepository(SeedCommitmentEntity).insert(records.map((record) => ({ ...record, network, txKey: key })));
        return true;
      });
    } catch (error) {
      if (!(error instanceof OperatorCallReverted)) throw error;
      this.logger.error(`${key} would revert (${error.reason}); not sent`);
      return false;
    }
    if (stored) await this.operator.broadcast(key);
    return stored;
  }

  private async recordedChain(manager: EntityManager, network: string, seedChainId: string): Promise<boolean> {
    return (await manager.getRepository(SeedCommitmentEntity).count({ where: { network, subjectKind: 'chain', subjectId: seedChainId } })) > 0;
  }

  /** The chain is committed on chain already (a record lost, or made elsewhere): note it, with its event's transaction if recent. */
  private async recordFoundOnChain(network: string, seedChainId: string, chainId: string): Promise<void> {
    const head = await this.evm.blockNumber();
    const logs = await this.contract.queryFilter(this.contract.filters.ChainCommitted(chainId), Math.max(0, head - this.evm.config!.logRange + 1), head);
    const log = logs.at(-1);
    await this.dataSource
      .getRepository(SeedCommitmentEntity)
      .createQueryBuilder()
      .insert()
      .values({
        network,
        subjectKind: 'chain',
        subjectId: seedChainId,
        seedChainId,
        roundNumber: null,
        txKey: null,
        txHash: log?.transactionHash ?? null,
        blockNumber: log?.blockNumber ?? null,
        blockHash: log?.blockHash ?? null,
        recordedAt: new Date(),
      })
      .orIgnore()
      .execute();
  }
}

function onChainRecord(row: SeedCommitmentEntity): OnChainRecord {
  return { txHash: row.txHash, blockNumber: row.blockNumber, blockHash: row.blockHash };
}
