import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { InsufficientFunds, NotFound } from '../common/errors/domain-error';
import { parseAmount } from '../common/money/amount';
import { USDC_DECIMALS } from '../common/money/usdc';
import { AssetsService, SETTLEMENT_ASSET } from './assets.service';
import { DomainEventBus } from '../common/events/domain-event-bus';
import { AccountsEvent } from './accounts.events';
import type { Bucket } from './ledger-entry.entity';
import { Balances, computePosting, LockedAccount, movementProblem, shardOf, Shortfall } from './ledger-posting';
import { isPgError, PgError } from '../database/pg-errors';

/** A user's account, or a system account by key (`house`, `fees`, `market-pool:<marketId>`, ...). */
export type AccountRef = { userId: string } | { system: string };

/** System accounts every venue shares. Per-entity ones (pools, pots) are built from the entity id. */
export const SystemAccount = {
  house: { system: 'house' },
  fees: { system: 'fees' },
  promotions: { system: 'promotions' },
  adjustments: { system: 'adjustments' },
  chainInTransit: { system: 'chain-in-transit' },
  marketPool: (marketId: string): AccountRef => ({ system: `market-pool:${marketId}` }),
  roundPot: (roundId: string): AccountRef => ({ system: `round-pot:${roundId}` }),
} as const;

/**
 * Touched by trades of every user, so each is spread over LEDGER_SYSTEM_SHARDS rows: a posting locks
 * whichever shard no one else holds (SKIP LOCKED), and their sum is the account's balance.
 */
export const SHARDED_SYSTEM_ACCOUNTS: ReadonlySet<string> = new Set(['house', 'fees', 'promotions']);

export interface Movement {
  account: AccountRef;
  bucket: Bucket;
  /** Signed minor units: positive adds to the bucket. */
  amount: bigint;
}

export interface PostingMeta {
  /** What happened, e.g. `withdrawal.hold`, `round.payout`, `trade.fee`. */
  kind: string;
  /** What caused it, e.g. `withdrawal:<id>`. */
  reference: string;
  /** Default: the settlement asset (USDC). */
  asset?: string;
  /** Unique business id: posting it again moves nothing and returns the first transaction (`replayed`). */
  idempotencyKey?: string;
  /**
   * The key is made from a row the caller inserted in this same transaction, so it cannot have been posted
   * before: the lookup is skipped. The write still refuses a duplicate key, which then replays as usual.
   */
  freshKey?: boolean;
  memo?: string;
}

export interface Posting extends PostingMeta {
  movements: Movement[];
}

export interface UserBalance extends Balances {
  userId: string;
  asset: string;
}

export interface SystemBalance extends Balances {
  system: string;
  asset: string;
}

export interface PostingResult {
  transactionId: string;
  /** True when `idempotencyKey` had already been posted: nothing moved this time. */
  replayed: boolean;
  /** New balances of the user accounts this posting touched. */
  userBalances: UserBalance[];
  /** New balances of the unsharded system accounts (a market pool, a round pot) this posting touched. */
  systemBalances: SystemBalance[];
}

/** What `transferAvailable` moved: as much as `from` had available, up to the amount asked. */
export interface PartialTransfer {
  amount: bigint;
  /** Absent when nothing was available, so nothing was posted. */
  posting?: PostingResult;
}

interface AccountRow {
  id: string;
  user_id: string | null;
  system_key: string | null;
  available: string;
  locked: string;
}

interface HeldAccount extends LockedAccount {
  userId: string | null;
  /** Set on unsharded system accounts only: one shard of a sharded account is not that account's balance. */
  systemKey: string | null;
}

const ACCOUNT_COLUMNS = 'id, user_id, system_key, available, locked';

/** A node-postgres client: the hot statements are sent as named prepared statements, planned once per connection. */
interface PgClient {
  query<Row>(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: Row[] }>;
}

async function prepared<Row>(manager: EntityManager, name: string, text: string, values: unknown[]): Promise<Row[]> {
  const client = (await manager.queryRunner!.connect()) as PgClient;
  return (await client.query<Row>({ name, text, values })).rows;
}

/** The vocabulary takes magnitudes; a negative amount would silently reverse a hold into a release. */
function positive(amount: bigint, what = 'amount'): bigint {
  if (amount <= 0n) throw new Error(`Ledger ${what} must be positive (got ${amount})`);
  return amount;
}

const refKey = (ref: AccountRef): string => ('userId' in ref ? `user:${ref.userId}` : `system:${ref.system}`);
const unique = <T>(values: T[]): T[] => [...new Set(values)];

/**
 * The only writer of balances. Every method that writes runs inside the caller's transaction (pass the
 * EntityManager of `dataSource.transaction(...)`), so a venue's own rows and its ledger entries
 * commit together or not at all; given a manager with no transaction open it throws, moving nothing.
 *
 * Locking: user and plain system accounts are locked in one statement ordered by id, then sharded
 * system accounts one group at a time in name order, so two postings never wait on each other in a cycle.
 */
@Injectable()
export class LedgerService {
  private readonly startingBalance: bigint;
  private readonly running = new WeakMap<QueryRunner, Promise<unknown>>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly assets: AssetsService,
    private readonly config: AppConfig,
    private readonly events: DomainEventBus,
  ) {
    // AppConfig checked the shape.
    this.startingBalance = parseAmount(config.startingBalance, { decimals: USDC_DECIMALS, sign: 'nonNegative' }, 'STARTING_BALANCE');
  }

  /** System → user, into available (payouts, deposits, promotions). */
  credit(manager: EntityManager, userId: string, amount: bigint, meta: PostingMeta & { from: AccountRef }): Promise<PostingResult> {
    positive(amount);
    return this.post(manager, {
      ...meta,
      movements: [
        { account: meta.from, bucket: 'available', amount: -amount },
        { account: { userId }, bucket: 'available', amount },
      ],
    });
  }

  /** User → system from available (stakes, purchases), with an optional fee to `fees`. */
  debit(manager: EntityManager, userId: string, amount: bigint, meta: PostingMeta & { to: AccountRef; fee?: bigint }): Promise<PostingResult> {
    positive(amount);
    const fee = meta.fee ?? 0n;
    if (fee < 0n) throw new Error(`Ledger fee must not be negative (got ${fee})`);
    const movements: Movement[] = [
      { account: { userId }, bucket: 'available', amount: -(amount + fee) },
      { account: meta.to, bucket: 'available', amount },
    ];
    if (fee > 0n) movements.push({ account: SystemAccount.fees, bucket: 'available', amount: fee });
    return this.post(manager, { ...meta, movements });
  }

  /** available → locked on one account (margin, open orders, pending withdrawals). */
  hold(manager: EntityManager, account: AccountRef, amount: bigint, meta: PostingMeta): Promise<PostingResult> {
    positive(amount);
    return this.post(manager, {
      ...meta,
      movements: [
        { account, bucket: 'available', amount: -amount },
        { account, bucket: 'locked', amount },
      ],
    });
  }

  /** locked → available on one account (cancelled order or withdrawal). */
  release(manager: EntityManager, account: AccountRef, amount: bigint, meta: PostingMeta): Promise<PostingResult> {
    positive(amount);
    return this.post(manager, {
      ...meta,
      movements: [
        { account, bucket: 'locked', amount: -amount },
        { account, bucket: 'available', amount },
      ],
    });
  }

  /** locked on `account` → available on `to` (a filled order pays its pool, a sent withdrawal goes in transit). */
  settleHold(manager: EntityManager, account: AccountRef, amount: bigint, meta: PostingMeta & { to: AccountRef }): Promise<PostingResult> {
    positive(amount);
    return this.post(manager, {
      ...meta,
      movements: [
        { account, bucket: 'locked', amount: -amount },
        { account: meta.to, bucket: 'available', amount },
      ],
    });
  }

  /**
   * available → available, as much of `upTo` as `from` has available (possibly nothing): `from` is read under
   * the posting's own locks, in the ledger's lock order, so the amount and the movement agree.
   */
  transferAvailable(
    manager: EntityManager,
    from: AccountRef,
    to: AccountRef,
    upTo: bigint,
    { memoFor, ...meta }: PostingMeta & { memoFor?: (amount: bigint) => string },
  ): Promise<PartialTransfer> {
    positive(upTo);
    if ('system' in from && SHARDED_SYSTEM_ACCOUNTS.has(from.system)) throw new Error(`transferAvailable reads one shard of ${from.system}, not its balance`);
    const movements = (amount: bigint): Movement[] => [
      { account: from, bucket: 'available', amount: -amount },
      { account: to, bucket: 'available', amount },
    ];
    return this.inCallersTransaction(manager, async (inner) => {
      const asset = meta.asset ?? SETTLEMENT_ASSET;
      await this.assets.decimals(asset, inner);
      const held = await this.lockAccounts(inner, asset, { ...meta, movements: movements(upTo) });
      const available = held.get(refKey(from))!.available;
      const amount = available < upTo ? available : upTo;
      if (amount <= 0n) return { amount: 0n };
      const memo = memoFor ? memoFor(amount) : meta.memo;
      return { amount, posting: await this.postLocked(inner, asset, { ...meta, memo, movements: movements(amount) }, held) };
    });
  }

  /** available → available between any two accounts. */
  transfer(manager: EntityManager, from: AccountRef, to: AccountRef, amount: bigint, meta: PostingMeta): Promise<PostingResult> {
    positive(amount);
    return this.post(manager, {
      ...meta,
      movements: [
        { account: from, bucket: 'available', amount: -amount },
        { account: to, bucket: 'available', amount },
      ],
    });
  }

  /** Any balanced set of movements in one asset, as one ledger transaction. */
  post(manager: EntityManager, posting: Posting): Promise<PostingResult> {
    return this.inCallersTransaction(manager, (inner) => this.postNow(inner, posting));
  }

  /**
   * Creates the user's account for `asset` when missing. A brand-new settlement-asset account receives
   * STARTING_BALANCE from `promotions` in the same transaction: only the transaction whose insert
   * created the row grants, and the grant's idempotency key makes a second grant impossible.
   */
  openUserAccount(manager: EntityManager, userId: string, asset: string = SETTLEMENT_ASSET): Promise<void> {
    return this.inCallersTransaction(manager, (inner) => this.openUserAccountNow(inner, userId, asset));
  }

  /** Available balance of a system account (the sum of its shards; 0 before it exists), read in the caller's transaction. */
  async systemBalance(manager: EntityManager, account: { system: string }, asset: string = SETTLEMENT_ASSET): Promise<bigint> {
    const rows = (await manager.query(`SELECT COALESCE(sum(available), 0)::text AS available FROM accounts WHERE system_key = $1 AND asset = $2`, [
      account.system,
      asset,
    ])) as { available: string }[];
    return BigInt(rows[0].available);
  }

  /** `systemBalance` of many accounts in one query, by system key (every key asked for is in the map). */
  async systemBalances(manager: EntityManager, accounts: { system: string }[], asset: string = SETTLEMENT_ASSET): Promise<Map<string, bigint>> {
    const keys = unique(accounts.map((account) => account.system));
    const balances = new Map(keys.map((key): [string, bigint] => [key, 0n]));
    if (keys.length === 0) return balances;
    const rows = (await manager.query(
      `SELECT system_key, sum(available)::text AS available FROM accounts WHERE system_key = ANY($1::varchar[]) AND asset = $2 GROUP BY system_key`,
      [keys, asset],
    )) as { system_key: string; available: string }[];
    for (const row of rows) balances.set(row.system_key, BigInt(row.available));
    return balances;
  }

  private async inCallersTransaction<T>(manager: EntityManager, work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const queryRunner = manager.queryRunner;
    if (!queryRunner?.isTransactionActive) throw new LedgerOutsideTransaction();
    return this.oneAtATime(queryRunner, () => work(manager));
  }

  /**
   * Postings write absolute balances computed from what they locked, so two postings of one transaction
   * must not interleave (a caller doing `Promise.all` over one EntityManager): they run in call order.
   */
  private oneAtATime<T>(queryRunner: QueryRunner, work: () => Promise<T>): Promise<T> {
    const result = (this.running.get(queryRunner) ?? Promise.resolve()).then(work);
    this.running.set(
      queryRunner,
      result.catch(() => undefined),
    );
    return result;
  }

  private async postNow(manager: EntityManager, posting: Posting): Promise<PostingResult> {
    const problem = movementProblem(posting.movements.map((movement) => movement.amount));
    if (problem) throw new Error(`Invalid posting ${posting.kind} (${posting.reference}): ${problem}`);
    if (posting.freshKey && !posting.idempotencyKey) throw new Error(`Invalid posting ${posting.kind} (${posting.reference}): freshKey without an idempotencyKey`);
    const asset = posting.asset ?? SETTLEMENT_ASSET;
    await this.assets.decimals(asset, manager);

    return this.postLocked(manager, asset, posting, await this.lockAccounts(manager, asset, posting));
  }

  /** The rest of a posting once `held` has every account of its movements locked. */
  private async postLocked(manager: EntityManager, asset: string, posting: Posting, held: Map<string, HeldAccount>): Promise<PostingResult> {
    if (posting.idempotencyKey && !posting.freshKey) {
      const existing = await this.transactionIdByKey(manager, posting.idempotencyKey);
      if (existing) return replayOf(existing);
    }

    const accountsById = new Map([...held.values()].map((account) => [account.id, account]));
    const computed = computePosting(
      accountsById,
      posting.movements.map((movement) => ({ accountId: held.get(refKey(movement.account))!.id, bucket: movement.bucket, amount: movement.amount })),
    );
    if (computed.shortfalls.length > 0) throw this.insufficientFunds(asset, computed.shortfalls[0]);

    const transactionId = await this.write(manager, asset, posting, computed);
    if (!transactionId) {
      // The key was posted already: by another transaction between our check and our insert, or before a "fresh" key.
      return replayOf((await this.transactionIdByKey(manager, posting.idempotencyKey!))!);
    }

    const userBalances: UserBalance[] = [];
    const systemBalances: SystemBalance[] = [];
    for (const [accountId, balances] of computed.balances) {
      const { userId, systemKey } = accountsById.get(accountId)!;
      if (systemKey) systemBalances.push({ system: systemKey, asset, ...balances });
      if (!userId) continue;
      userBalances.push({ userId, asset, ...balances });
      const balance = { userId, asset, available: this.assets.format(asset, balances.available), locked: this.assets.format(asset, balances.locked) };
      this.events.afterCommit(manager, { name: AccountsEvent.BalanceChanged, payload: balance }, { latestFor: `${userId}/${asset}` });
    }
    return { transactionId, replayed: false, userBalances, systemBalances };
  }

  private async openUserAccountNow(manager: EntityManager, userId: string, asset: string): Promise<void> {
    let created: unknown[];
    try {
      created = await manager.query(
        `INSERT INTO accounts (user_id, asset) VALUES ($1, $2) ON CONFLICT (user_id, asset) DO NOTHING RETURNING id`,
        [userId, asset],
      );
    } catch (error) {
      if (isPgError(error, PgError.ForeignKeyViolation)) throw new NotFound(`User ${userId} or asset ${asset} not found`);
      throw error;
    }
    if (created.length === 0 || asset !== SETTLEMENT_ASSET || this.startingBalance === 0n) return;
    await this.postNow(manager, {
      kind: 'promotion.starting-balance',
      reference: `user:${userId}`,
      idempotencyKey: `starting-balance:${userId}:${asset}`,
      // Only the transaction that just inserted the account grants.
      freshKey: true,
      asset,
      movements: [
        { account: SystemAccount.promotions, bucket: 'available', amount: -this.startingBalance },
        { account: { userId }, bucket: 'available', amount: this.startingBalance },
      ],
    });
  }

  private async lockAccounts(manager: EntityManager, asset: string, posting: Posting): Promise<Map<string, HeldAccount>> {
    const refs = posting.movements.map((movement) => movement.account);
    const userIds = unique(refs.flatMap((ref) => ('userId' in ref ? [ref.userId] : [])));
    const systemKeys = unique(refs.flatMap((ref) => ('system' in ref ? [ref.system] : [])));
    const plainKeys = systemKeys.filter((key) => !SHARDED_SYSTEM_ACCOUNTS.has(key));
    const shardedKeys = systemKeys.filter((key) => SHARDED_SYSTEM_ACCOUNTS.has(key)).sort();

    const held = new Map<string, HeldAccount>();
    const shardSeed = userIds[0] ?? posting.reference;
    if (userIds.length + plainKeys.length > 0) {
      // The first sharded group's free shard rides along in the same statement, locked after the plain accounts.
      const firstSharded = shardedKeys[0];
      const locked = await this.selectForUpdate(manager, asset, userIds, plainKeys, firstSharded, shardSeed);
      let rows = locked.filter((row) => !row.sharded);
      const freeShard = locked.find((row) => row.sharded);
      if (freeShard) {
        held.set(`system:${firstSharded}`, toHeld(freeShard));
        shardedKeys.shift();
      }
      if (rows.length < userIds.length + plainKeys.length) {
        const found = new Set(rows.map((row) => (row.user_id ? `user:${row.user_id}` : `system:${row.system_key}`)));
        for (const userId of userIds) if (!found.has(`user:${userId}`)) await this.openUserAccountNow(manager, userId, asset);
        for (const key of plainKeys) if (!found.has(`system:${key}`)) await this.openSystemAccount(manager, key, asset, 1);
        rows = await this.selectForUpdate(manager, asset, userIds, plainKeys);
      }
      for (const row of rows) held.set(row.user_id ? `user:${row.user_id}` : `system:${row.system_key}`, toHeld(row));
    }
    for (const key of shardedKeys) held.set(`system:${key}`, await this.lockShard(manager, asset, key, shardSeed));
    return held;
  }

  /**
   * Locks the user and plain system accounts (ordered by id). With `shardedKey`, the same statement then takes
   * a free shard of that group as `lockShard`'s first attempt would (SKIP LOCKED, so it never waits), saving a
   * round trip; that row comes back with `sharded` set, or no row when every shard is held or none exists yet.
   * The plain CTE is drained before the shard CTE runs (UNION ALL reads its branches in order), so the lock
   * order stays plain accounts first, then the sharded group.
   */
  private selectForUpdate(
    manager: EntityManager,
    asset: string,
    userIds: string[],
    systemKeys: string[],
    shardedKey?: string,
    shardSeed?: string,
  ): Promise<(AccountRow & { sharded?: boolean })[]> {
    const plain = `SELECT ${ACCOUNT_COLUMNS} FROM accounts
        WHERE asset = $1 AND (user_id = ANY($2::uuid[]) OR (system_key = ANY($3::varchar[]) AND shard = 0))
        ORDER BY id FOR UPDATE`;
    if (shardedKey === undefined) return prepared<AccountRow>(manager, 'ledger_lock_accounts', plain, [asset, userIds, systemKeys]);
    const shards = this.config.ledgerSystemShards;
    return prepared<AccountRow & { sharded: boolean }>(
      manager,
      'ledger_lock_accounts_and_shard',
      `WITH plain AS MATERIALIZED (${plain}),
       free AS MATERIALIZED (
         SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE system_key = $4 AND asset = $1 AND shard < $5::int
          ORDER BY (shard + $5::int - $6::int) % $5::int LIMIT 1 FOR UPDATE SKIP LOCKED
       )
       SELECT ${ACCOUNT_COLUMNS}, false AS sharded FROM plain
       UNION ALL
       SELECT ${ACCOUNT_COLUMNS}, true AS sharded FROM free`,
      [asset, userIds, systemKeys, shardedKey, shards, shardOf(shardSeed!, shards)],
    );
  }

  /**
   * The first shard, from one derived from `seed`, that no other transaction holds (SKIP LOCKED), so
   * concurrent postings spread over the shards instead of queueing. Only when every shard is held
   * (more concurrent postings than LEDGER_SYSTEM_SHARDS) does a posting wait, on its preferred shard.
   * Groups are locked one after the other in name order: a posting never holds a later group while
   * waiting for an earlier one (locking several groups in one statement would allow exactly that).
   */
  private async lockShard(manager: EntityManager, asset: string, key: string, seed: string): Promise<HeldAccount> {
    const shards = this.config.ledgerSystemShards;
    const preferred = shardOf(seed, shards);
    for (let attempt = 0; attempt < 2; attempt++) {
      const [free] = await prepared<AccountRow>(
        manager,
        'ledger_lock_free_shard',
        `SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE system_key = $1 AND asset = $2 AND shard < $3::int
          ORDER BY (shard + $3::int - $4::int) % $3::int LIMIT 1 FOR UPDATE SKIP LOCKED`,
        [key, asset, shards, preferred],
      );
      if (free) return toHeld(free);
      const [busy] = (await manager.query(`SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE system_key = $1 AND asset = $2 AND shard = $3 FOR UPDATE`, [
        key,
        asset,
        preferred,
      ])) as AccountRow[];
      if (busy) return toHeld(busy);
      await this.openSystemAccount(manager, key, asset, shards);
    }
    throw new Error(`system account ${key} (${asset}) could not be opened`);
  }

  private async openSystemAccount(manager: EntityManager, key: string, asset: string, shards: number): Promise<void> {
    await manager.query(
      `INSERT INTO accounts (system_key, asset, shard) SELECT $1, $2, shard FROM generate_series(0, $3::int - 1) AS shard
        ON CONFLICT (system_key, asset, shard) DO NOTHING`,
      [key, asset, shards],
    );
  }

  private async transactionIdByKey(manager: EntityManager, idempotencyKey: string): Promise<string | undefined> {
    const rows = (await manager.query(`SELECT id FROM ledger_transactions WHERE idempotency_key = $1`, [idempotencyKey])) as { id: string }[];
    return rows[0]?.id;
  }

  /** One statement: the transaction row, the new cached balances and the entries; nothing when the idempotency key exists. */
  private async write(manager: EntityManager, asset: string, posting: Posting, computed: ReturnType<typeof computePosting>): Promise<string | undefined> {
    const balances = [...computed.balances.entries()];
    const rows = await prepared<{ transaction_id: string }>(
      manager,
      'ledger_write_posting',
      `WITH tx AS (
         INSERT INTO ledger_transactions (kind, reference, idempotency_key, memo) VALUES ($1, $2, $3, $4)
         ON CONFLICT (idempotency_key) DO NOTHING
         RETURNING id, created_at
       ), balances AS (
         UPDATE accounts AS a SET available = v.available, locked = v.locked, updated_at = tx.created_at
           FROM tx, unnest($5::uuid[], $6::numeric[], $7::numeric[]) AS v(id, available, locked)
          WHERE a.id = v.id
         RETURNING a.id
       )
       INSERT INTO ledger_entries (transaction_id, account_id, asset, bucket, amount, balance_after, created_at)
       SELECT tx.id, e.account_id, $8, e.bucket, e.amount, e.balance_after, tx.created_at
         FROM tx, unnest($9::uuid[], $10::varchar[], $11::numeric[], $12::numeric[]) WITH ORDINALITY AS e(account_id, bucket, amount, balance_after, n)
        ORDER BY e.n
       RETURNING transaction_id`,
      [
        posting.kind,
        posting.reference,
        posting.idempotencyKey ?? null,
        posting.memo ?? null,
        balances.map(([id]) => id),
        balances.map(([, b]) => b.available.toString()),
        balances.map(([, b]) => b.locked.toString()),
        asset,
        computed.entries.map((entry) => entry.accountId),
        computed.entries.map((entry) => entry.bucket),
        computed.entries.map((entry) => entry.amount.toString()),
        computed.entries.map((entry) => entry.balanceAfter.toString()),
      ],
    );
    return rows[0]?.transaction_id;
  }

  private insufficientFunds(asset: string, shortfall: Shortfall): InsufficientFunds {
    const balance = this.assets.format(asset, shortfall.balance);
    const required = this.assets.format(asset, shortfall.required);
    const bucket = shortfall.bucket === 'available' ? 'Available' : 'Locked';
    return new InsufficientFunds(`${bucket} balance ${balance} ${asset} is less than ${required} ${asset}`, {
      asset,
      bucket: shortfall.bucket,
      balance,
      required,
    });
  }
}

/** A bug in the caller, not a client error: a posting must commit or roll back with the caller's own rows. */
export class LedgerOutsideTransaction extends Error {
  constructor() {
    super(`LedgerService needs the caller's transaction: pass the EntityManager of dataSource.transaction(...)`);
    this.name = 'LedgerOutsideTransaction';
  }
}

function replayOf(transactionId: string): PostingResult {
  return { transactionId, replayed: true, userBalances: [], systemBalances: [] };
}

function toHeld(row: AccountRow): HeldAccount {
  return {
    id: row.id,
    userId: row.user_id,
    systemKey: row.system_key !== null && !SHARDED_SYSTEM_ACCOUNTS.has(row.system_key) ? row.system_key : null,
    available: BigInt(row.available),
    locked: BigInt(row.locked),
    mustStayNonNegative: row.user_id !== null,
  };
}
