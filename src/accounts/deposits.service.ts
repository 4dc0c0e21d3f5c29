import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In } from 'typeorm';
import { UsersService } from '../auth/users.service';
import { DomainEventBus } from '../common/events/domain-event-bus';
import { offsetOf, Page, PageQueryDto, toPage } from '../common/http/pagination';
import type { ChainName } from '../config/app-config';
import { DepositChainHeads } from './deposit-chain-heads';
import { AdminDepositDto, AdminDepositsQueryDto, DepositDto } from './deposit.dto';
import { DepositEntity, USER_VISIBLE_DEPOSIT_STATUSES } from './deposit.entity';
import { depositFromRow, DepositMapper, DepositRow } from './deposit.mapper';
import { DepositChain, DepositPostings, vaultAccount } from './deposit-postings';
import { DepositsEvent } from './deposits.events';
import { LedgerService, Posting } from './ledger.service';

/** A deposit event as a chain watcher read it (EVM `Deposited` log, Aptos vault deposit event). */
export interface ObservedDeposit {
  chain: ChainName;
  /** EVM chain id, or the Aptos chain id, as a decimal string. */
  chainId: string;
  /**
   * Which history of the chain: the EVM genesis block hash (a dev chain restarted from block 0 is a new one, and
   * its replayed transaction hashes are new deposits). Left out (''), the chain id alone names it (Aptos).
   */
  chainEpoch?: string;
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

/** Rows credited in one transaction at most (one ledger batch). */
const CREDIT_BATCH = 1000;

const keyOf = (deposit: ObservedDeposit) => `${deposit.chain}|${deposit.chainId}|${deposit.chainEpoch ?? ''}|${deposit.txHash}|${deposit.logIndex}`;

/** The deposit rows' columns for an INSERT from arrays, in the order of `insertValues`. */
const INSERT_FROM_ARRAYS = `INSERT INTO deposits (chain, chain_id, chain_epoch, tx_hash, log_index, block_number, block_hash, from_address, user_id, asset, amount, status)
  SELECT v.chain, v.chain_id, v.chain_epoch, v.tx_hash, v.log_index, v.block_number, v.block_hash, v.from_address, v.user_id, v.asset, v.amount, $12
    FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::varchar[], $5::int[], $6::bigint[], $7::varchar[], $8::varchar[], $9::uuid[], $10::varchar[], $11::numeric[])
         AS v(chain, chain_id, chain_epoch, tx_hash, log_index, block_number, block_hash, from_address, user_id, asset, amount)`;

/**
 * Deposit records (`deposits`): each on-chain deposit once by (chain, chainId, chainEpoch, txHash, logIndex).
 * EVM: the watcher records logs SEEN with their block hash (`recordSeen`), confirms those deep enough whose block
 * is still on the chain and drops those whose block was replaced (`confirmBlocks`), then credits (`creditConfirmed`).
 * Aptos deposits are final and recorded and credited at once (`recordFinal`). Crediting is a ledger posting out of
 * the chain's vault account in the transaction that moves the row out of CONFIRMED, so a row is credited once;
 * a sender no user has is held in `unassigned-deposits` (UNASSIGNED) for an admin (DepositReviewService).
 */
@Injectable()
export class DepositsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly ledger: LedgerService,
    private readonly users: UsersService,
    private readonly mapper: DepositMapper,
    private readonly heads: DepositChainHeads,
    private readonly events: DomainEventBus,
  ) {}

  /**
   * EVM logs read from the chain, SEEN, in the caller's transaction (the watcher moves its cursor in it). A log
   * recorded before is left alone, unless its block changed (a reorg moved it) while it was SEEN or DROPPED: then it
   * takes the new block and is SEEN again. Returns how many rows were written.
   */
  async recordSeen(manager: EntityManager, observed: ObservedDeposit[]): Promise<number> {
    // One statement must not upsert a row twice: the last reading of a log wins.
    const deposits = [...new Map(observed.map((deposit) => [keyOf(deposit), deposit])).values()];
    if (deposits.length === 0) return 0;
    const owners = await this.ownersOf(deposits, manager);
    const rows = (await manager.query(
      `${INSERT_FROM_ARRAYS}
       ON CONFLICT ON CONSTRAINT "UQ_deposits_event" DO UPDATE
         SET block_number = EXCLUDED.block_number, block_hash = EXCLUDED.block_hash, status = 'SEEN', note = NULL,
             user_id = COALESCE(deposits.user_id, EXCLUDED.user_id), updated_at = now()
       WHERE deposits.status IN ('SEEN', 'DROPPED') AND deposits.block_hash IS DISTINCT FROM EXCLUDED.block_hash
       RETURNING *`,
      this.insertValues(deposits, owners, 'SEEN'),
    )) as DepositRow[];
    this.announce(manager, rows);
    return rows.length;
  }

  /** Block numbers (ascending) holding SEEN deposits of `chain` at or below `throughBlock`: the ones deep enough to confirm. */
  async blocksAwaitingConfirmation(chain: DepositChain, throughBlock: bigint, limit = 1000): Promise<bigint[]> {
    const rows = (await this.dataSource.query(
      `SELECT DISTINCT block_number FROM deposits
        WHERE chain = $1 AND chain_id = $2 AND chain_epoch = $3 AND status = 'SEEN' AND block_number <= $4
        ORDER BY block_number LIMIT $5`,
      [chain.chain, chain.chainId, chain.chainEpoch, throughBlock.toString(), limit],
    )) as { block_number: string }[];
    return rows.map((row) => BigInt(row.block_number));
  }

  /**
   * The chain's hash of each block now (undefined: no such block): SEEN deposits recorded with that hash are
   * CONFIRMED, the others DROPPED (their block was replaced before they were deep enough; never credited).
   */
  async confirmBlocks(chain: DepositChain, blocks: { blockNumber: bigint; blockHash: string | undefined }[]): Promise<{ confirmed: number; dropped: number }> {
    if (blocks.length === 0) return { confirmed: 0, dropped: 0 };
    return this.dataSource.transaction(async (manager) => {
      const rows = (await manager.query(
        `WITH settled AS (
           UPDATE deposits d
              SET status = CASE WHEN d.block_hash = b.hash THEN 'CONFIRMED' ELSE 'DROPPED' END,
                  note = CASE WHEN d.block_hash = b.hash THEN d.note ELSE 'block ' || d.block_number || ' was replaced before the deposit was confirmed' END,
                  updated_at = now()
             FROM unnest($4::bigint[], $5::varchar[]) AS b(number, hash)
            WHERE d.chain = $1 AND d.chain_id = $2 AND d.chain_epoch = $3 AND d.status = 'SEEN' AND d.block_number = b.number
           RETURNING d.*
         ) SELECT * FROM settled`,
        [chain.chain, chain.chainId, chain.chainEpoch, blocks.map((block) => block.blockNumber.toString()), blocks.map((block) => block.blockHash ?? null)],
      )) as DepositRow[];
      this.announce(manager, rows);
      const confirmed = rows.filter((row) => row.status === 'CONFIRMED').length;
      return { confirmed, dropped: rows.length - confirmed };
    });
  }

  /** Credits every CONFIRMED deposit of `chain`, CREDIT_BATCH rows per transaction; returns what it did. */
  async creditConfirmed(chain: DepositChain): Promise<{ credited: number; unassigned: number }> {
    const total = { credited: 0, unassigned: 0 };
    for (;;) {
      const done = await this.dataSource.transaction(async (manager) => {
        const rows = (await manager.query(
          `SELECT * FROM deposits WHERE chain = $1 AND chain_id = $2 AND chain_epoch = $3 AND status = 'CONFIRMED'
            ORDER BY block_number, log_index LIMIT $4 FOR UPDATE SKIP LOCKED`,
          [chain.chain, chain.chainId, chain.chainEpoch, CREDIT_BATCH],
        )) as DepositRow[];
        return { found: rows.length, ...(await this.credit(manager, rows.map(depositFromRow))) };
      });
      total.credited += done.credited;
      total.unassigned += done.unassigned;
      if (done.found < CREDIT_BATCH) return total;
    }
  }

  /** Final deposits (Aptos: final on commit) recorded and credited at once; a repeat of a recorded one is a no-op. */
  async recordFinal(observed: ObservedDeposit[]): Promise<void> {
    if (observed.length === 0) return;
    await this.dataSource.transaction(async (manager) => {
      const owners = await this.ownersOf(observed, manager);
      const rows = (await manager.query(`${INSERT_FROM_ARRAYS} ON CONFLICT ON CONSTRAINT "UQ_deposits_event" DO NOTHING RETURNING *`, this.insertValues(observed, owners, 'CONFIRMED'))) as DepositRow[];
      await this.credit(manager, rows.map(depositFromRow));
    });
  }

  /**
   * SEEN or CONFIRMED deposits of another history of this chain (a dev chain that was reset) are DROPPED: the
   * blocks they were in no longer exist anywhere.
   */
  async dropOtherEpochs(chain: DepositChain, note: string): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      const rows = (await manager.query(
        `WITH dropped AS (
           UPDATE deposits SET status = 'DROPPED', note = $4, updated_at = now()
            WHERE chain = $1 AND chain_id = $2 AND chain_epoch <> $3 AND status IN ('SEEN', 'CONFIRMED')
           RETURNING *
         ) SELECT * FROM dropped`,
        [chain.chain, chain.chainId, chain.chainEpoch, note],
      )) as DepositRow[];
      this.announce(manager, rows);
      return rows.length;
    });
  }

  /**
   * What the ledger says the vault of `chain` holds (minus its vault account's balance), the deposits read but
   * not yet credited or held (on chain already, not yet in the ledger), and what is being paid out of it but not
   * settled yet (maybe gone from the vault already, still owed in the ledger): the SENDING or SENT withdrawals on
   * that chain (`withdrawing`) and the requested deposit returns (`returning`). One snapshot.
   */
  async vaultFigures(chain: DepositChain): Promise<{ asset: string; owed: bigint; uncredited: bigint; withdrawing: bigint; returning: bigint }> {
    const asset = 'USDC';
    return this.dataSource.transaction('REPEATABLE READ', async (manager) => {
      const owed = -(await this.ledger.systemBalance(manager, vaultAccount(chain), asset));
      const [row] = (await manager.query(
        `SELECT COALESCE(sum(amount) FILTER (WHERE status IN ('SEEN', 'CONFIRMED')), 0)::text AS uncredited,
                COALESCE(sum(amount) FILTER (WHERE status = 'RETURN_REQUESTED'), 0)::text AS returning
           FROM deposits WHERE chain = $1 AND chain_id = $2 AND chain_epoch = $3 AND asset = $4`,
        [chain.chain, chain.chainId, chain.chainEpoch, asset],
      )) as { uncredited: string; returning: string }[];
      const [withdrawals] = (await manager.query(
        `SELECT COALESCE(sum(amount), 0)::text AS total FROM withdrawals WHERE chain = $1 AND asset = $2 AND status IN ('SENDING', 'SENT')`,
        [chain.chain, asset],
      )) as { total: string }[];
      return { asset, owed, uncredited: BigInt(row.uncredited), withdrawing: BigInt(withdrawals.total), returning: BigInt(row.returning) };
    });
  }

  /** The caller's deposits (SEEN, CONFIRMED, CREDITED), newest first, with their confirmations so far. */
  async listOf(userId: string, query: PageQueryDto): Promise<Page<DepositDto>> {
    const [rows, total] = await this.dataSource.getRepository(DepositEntity).findAndCount({
      where: { userId, status: In(USER_VISIBLE_DEPOSIT_STATUSES) },
      order: { createdAt: 'DESC', blockNumber: 'DESC', logIndex: 'DESC' },
      skip: offsetOf(query),
      take: query.limit,
    });
    await this.heads.current();
    return toPage(
      rows.map((row) => this.mapper.toDto(row)),
      total,
      query,
    );
  }

  /** Every deposit (or those in `status`), newest first. */
  async listForAdmin(query: AdminDepositsQueryDto): Promise<Page<AdminDepositDto>> {
    const [rows, total] = await this.dataSource.getRepository(DepositEntity).findAndCount({
      where: query.status ? { status: query.status } : {},
      order: { createdAt: 'DESC', blockNumber: 'DESC', logIndex: 'DESC' },
      skip: offsetOf(query),
      take: query.limit,
    });
    await this.heads.current();
    return toPage(
      rows.map((row) => this.mapper.toAdminDto(row)),
      total,
      query,
    );
  }

  /**
   * CONFIRMED rows (locked by the caller, or inserted in its transaction) → CREDITED to the sender's user, or
   * UNASSIGNED into `unassigned-deposits` when no user has that address, with their postings in one ledger batch.
   * Only rows this statement moved out of CONFIRMED are posted, so a row is credited once.
   */
  private async credit(manager: EntityManager, deposits: DepositEntity[]): Promise<{ credited: number; unassigned: number }> {
    if (deposits.length === 0) return { credited: 0, unassigned: 0 };
    const owners = await this.ownersOf(
      deposits.filter((deposit) => deposit.userId === null),
      manager,
    );
    const ownerOf = (deposit: DepositEntity) => deposit.userId ?? owners.get(`${deposit.chain === 'aptos' ? 'aptos' : 'evm'}:${deposit.fromAddress}`) ?? null;
    const moved = (await manager.query(
      `WITH moved AS (
         UPDATE deposits d SET status = CASE WHEN v.user_id IS NULL THEN 'UNASSIGNED' ELSE 'CREDITED' END, user_id = v.user_id,
                credited_at = CASE WHEN v.user_id IS NULL THEN NULL ELSE now() END, updated_at = now()
           FROM unnest($1::uuid[], $2::uuid[]) AS v(id, user_id)
          WHERE d.id = v.id AND d.status = 'CONFIRMED'
         RETURNING d.*
       ) SELECT * FROM moved`,
      [deposits.map((deposit) => deposit.id), deposits.map((deposit) => ownerOf(deposit))],
    )) as DepositRow[];
    const byAsset = new Map<string, Posting[]>();
    for (const deposit of moved.map(depositFromRow)) {
      const posting = deposit.userId ? DepositPostings.credit(deposit, deposit.userId) : DepositPostings.holdUnassigned(deposit);
      byAsset.set(deposit.asset, [...(byAsset.get(deposit.asset) ?? []), posting]);
    }
    for (const postings of byAsset.values()) {
      const outcomes = await this.ledger.postBatch(manager, postings);
      const refused = outcomes.find((outcome) => !outcome.ok);
      // Credits take from a system account, which may go negative: a refusal is a bug, and nothing of the batch commits.
      if (refused && !refused.ok) throw refused.refusal;
    }
    this.announce(manager, moved);
    const credited = moved.filter((row) => row.status === 'CREDITED').length;
    return { credited, unassigned: moved.length - credited };
  }

  /** The users of the deposits' senders, keyed `evm:<address>` / `aptos:<address>`. */
  private async ownersOf(deposits: { chain: string; fromAddress: string }[], manager: EntityManager): Promise<Map<string, string>> {
    const owners = new Map<string, string>();
    for (const kind of ['evm', 'aptos'] as const) {
      const addresses = deposits.filter((deposit) => (deposit.chain === 'aptos') === (kind === 'aptos')).map((deposit) => deposit.fromAddress);
      for (const [address, userId] of await this.users.idsByAddress(kind, addresses, manager)) owners.set(`${kind}:${address}`, userId);
    }
    return owners;
  }

  private insertValues(deposits: ObservedDeposit[], owners: Map<string, string>, status: 'SEEN' | 'CONFIRMED'): unknown[] {
    return [
      deposits.map((deposit) => deposit.chain),
      deposits.map((deposit) => deposit.chainId),
      deposits.map((deposit) => deposit.chainEpoch ?? ''),
      deposits.map((deposit) => deposit.txHash),
      deposits.map((deposit) => deposit.logIndex),
      deposits.map((deposit) => deposit.blockNumber.toString()),
      deposits.map((deposit) => deposit.blockHash),
      deposits.map((deposit) => deposit.fromAddress),
      deposits.map((deposit) => owners.get(`${deposit.chain === 'aptos' ? 'aptos' : 'evm'}:${deposit.fromAddress}`) ?? null),
      deposits.map((deposit) => deposit.asset),
      deposits.map((deposit) => deposit.amount.toString()),
      status,
    ];
  }

  /** `deposit:update` to each row's user, once the transaction commits. */
  private announce(manager: EntityManager, rows: DepositRow[]): void {
    for (const deposit of rows.map(depositFromRow)) {
      if (!deposit.userId) continue;
      this.events.afterCommit(manager, { name: DepositsEvent.Updated, payload: { userId: deposit.userId, deposit: this.mapper.toDto(deposit) } });
    }
  }
}
