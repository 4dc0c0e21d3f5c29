import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { domainError, InsufficientFunds, NotFound } from '../common/errors/domain-error';
import { parseAmount } from '../common/money/amount';
import { USDC_DECIMALS } from '../common/money/usdc';
import { AssetsService, SETTLEMENT_ASSET } from './assets.service';
import { DomainEventBus } from '../common/events/domain-event-bus';
import { RequestContext } from '../common/request-context';
import { AccountsEvent, type HouseMovedEvent } from './accounts.events';
import { Balances, ComputedSequence, computeSequence, LockedAccount, movementProblem, shardOf, Shortfall } from './ledger-posting';
import { AccountRef, Posting, PostingMeta, Postings, positive, SHARDED_SYSTEM_ACCOUNTS, SystemAccount } from './ledger-vocabulary';
import { pgArray } from '../database/pg-array';
import { preparedQuery } from '../database/prepared-query';
import { isPgError, PgError } from '../database/pg-errors';

export { AccountRef, Movement, Posting, PostingMeta, Postings, SHARDED_SYSTEM_ACCOUNTS, SystemAccount } from './ledger-vocabulary';

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

/** The hot statements are sent as named prepared statements, planned once per connection. */
async function prepared<Row>(manager: EntityManager, name: string, text: string, values: unknown[]): Promise<Row[]> {
  return (await preparedQuery<Row>(manager, name, text, values)).rows;
}

const refKey = (ref: AccountRef): string => ('userId' in ref ? `user:${ref.userId}` : `system:${ref.system}`);
const unique = <T>(values: T[]): T[] => [...new Set(values)];

/**
 * What became of one posting of `postBatch`: its result (posted, or replayed by its idempotency key), or the
 * refusal the single verbs would have thrown (InsufficientFunds), as a value; a refused posting moved nothing.
 */
/** The venue a posting belongs to, by the first part of its kind (`perp.position.close` → perps). */
const VENUE_OF_KIND: Record<string, HouseMovedEvent['venue'] | undefined> = { perp: 'perps', market: 'prediction', round: 'rounds', creator: 'creators' };

export type PostingOutcome = { ok: true; result: PostingResult } | { ok: false; refusal: InsufficientFunds };

/** An idempotency key of the batch was posted by another transaction meanwhile, and that changes what fits. */
export class LedgerBatchConflict extends Error {
  constructor(idempotencyKeys: string[]) {
    super(
      `Ledger batch: ${idempotencyKeys.join(', ')} committed concurrently and changes which postings of the batch fit; roll back and apply the batch again`,
    );
    this.name = 'LedgerBatchConflict';
  }
}

/**
 * The only writer of balances. Every method that writes runs inside the caller's transaction (pass the
 * EntityManager of `dataSource.transaction(...)`), so a venue's own rows and its ledger entries
 * commit together or not at all; given a manager with no transaction open it throws, moving nothing.
 *
 * Locking: user and plain system accounts are locked in one statement ordered by id, then sharded
 * system accounts one group at a time in name order, so two postings never wait on each other in a cycle.
 * A batch locks the same way, once for all its postings (one shard of each sharded account it touches).
 */
@Injectable()
export class LedgerService {
  private readonly startingBalance: bigint;
  private readonly running = new WeakMap<QueryRunner, Promise<unknown>>();
  /** LEDGER_MAX_POSTING per asset, in minor units. */
  private readonly postingCaps = new Map<string, bigint>();

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
    return this.post(manager, Postings.credit(userId, amount, meta));
  }

  /** User → system from available (stakes, purchases), with an optional fee to `fees`. */
  debit(manager: EntityManager, userId: string, amount: bigint, meta: PostingMeta & { to: AccountRef; fee?: bigint }): Promise<PostingResult> {
    return this.post(manager, Postings.debit(userId, amount, meta));
  }

  /** available → locked on one account (margin, open orders, pending withdrawals). */
  hold(manager: EntityManager, account: AccountRef, amount: bigint, meta: PostingMeta): Promise<PostingResult> {
    return this.post(manager, Postings.hold(account, amount, meta));
  }

  /** locked → available on one account (cancelled order or withdrawal). */
  release(manager: EntityManager, account: AccountRef, amount: bigint, meta: PostingMeta): Promise<PostingResult> {
    return this.post(manager, Postings.release(account, amount, meta));
  }

  /** locked on `account` → available on `to` (a filled order pays its pool, a sent withdrawal goes in transit). */
  settleHold(manager: EntityManager, account: AccountRef, amount: bigint, meta: PostingMeta & { to: AccountRef }): Promise<PostingResult> {
    return this.post(manager, Postings.settleHold(account, amount, meta));
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
    return this.inCallersTransaction(manager, async (inner) => {
      const asset = meta.asset ?? SETTLEMENT_ASSET;
      await this.assets.decimals(asset, inner);
      const held = await this.lockAccounts(inner, asset, [Postings.transfer(from, to, upTo, meta)]);
      const available = held.get(refKey(from))!.available;
      const amount = available < upTo ? available : upTo;
      if (amount <= 0n) return { amount: 0n };
      const memo = memoFor ? memoFor(amount) : meta.memo;
      const [outcome] = await this.postLocked(inner, asset, [Postings.transfer(from, to, amount, { ...meta, memo })], held);
      return { amount, posting: settled(outcome) };
    });
  }

  /** available → available between any two accounts. */
  transfer(manager: EntityManager, from: AccountRef, to: AccountRef, amount: bigint, meta: PostingMeta): Promise<PostingResult> {
    return this.post(manager, Postings.transfer(from, to, amount, meta));
  }

  /** Any balanced set of movements in one asset, as one ledger transaction; throws InsufficientFunds when it does not fit. */
  post(manager: EntityManager, posting: Posting): Promise<PostingResult> {
    return this.inCallersTransaction(manager, async (inner) => settled((await this.postBatchNow(inner, [posting]))[0]));
  }

  /**
   * Many postings (built with `Postings`) in one asset, in the caller's transaction, as if posted one after the
   * other: each sees the balances the ones before it left, and one that does not fit is refused alone (its
   * outcome carries the InsufficientFunds `post` would throw) while the others are written. Idempotency keys
   * replay as in `post`, and a key repeated in the batch replays the first posting that carried it.
   *
   * A constant number of statements whatever the batch's size: the key lookup (its non-fresh keys), one lock
   * of its user and plain system accounts (ordered by id), one shard of each sharded system account it touches,
   * and one write (transactions, entries and cached balances, from arrays). Opening accounts the batch finds
   * missing costs more, once. Every posting must be valid (balanced, non-zero): an invalid one throws for the
   * whole batch, moving nothing. Throws LedgerBatchConflict, moving nothing, in the rare race where a key of
   * the batch commits in another transaction meanwhile and that changes which later postings fit.
   */
  postBatch(manager: EntityManager, postings: Posting[]): Promise<PostingOutcome[]> {
    return this.inCallersTransaction(manager, (inner) => this.postBatchNow(inner, postings));
  }

  /**
   * `postBatch`, all or nothing: when any posting would be refused, nothing is written (its accounts stay locked
   * by the caller's transaction) and null comes back, so a caller that has more of its own to undo needs no
   * savepoint around the batch. Otherwise the outcomes are those of `postBatch` (every one ok).
   */
  postAllOrNothing(manager: EntityManager, postings: Posting[]): Promise<PostingOutcome[] | null> {
    return this.inCallersTransaction(manager, (inner) => this.postBatchNow(inner, postings, true));
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

  /**
   * LEDGER_MAX_POSTING: no single movement may exceed the asset's cap, whoever asks (an admin typing 10^60,
   * a bug in a venue); the whole call is refused with 422 PostingTooLarge, moving nothing.
   */
  private async assertWithinCap(manager: EntityManager, asset: string, postings: Posting[]): Promise<void> {
    let cap = this.postingCaps.get(asset);
    if (cap === undefined) {
      const decimals = await this.assets.decimals(asset, manager);
      const configured = this.config.ledgerMaxPosting[asset] ?? this.config.ledgerMaxPosting['*'];
      cap = parseAmount(truncateDecimals(configured, decimals), { decimals, sign: 'positive' }, 'LEDGER_MAX_POSTING');
      this.postingCaps.set(asset, cap);
    }
    for (const posting of postings) {
      for (const { amount } of posting.movements) {
        if ((amount < 0n ? -amount : amount) > cap) {
          const configured = this.config.ledgerMaxPosting[asset] ?? this.config.ledgerMaxPosting['*'];
          const shown = this.assets.format(asset, amount < 0n ? -amount : amount);
          throw new PostingTooLarge(`a single ledger movement of ${shown} ${asset} exceeds LEDGER_MAX_POSTING (${configured} ${asset})`, { asset, amount: shown, max: configured });
        }
      }
    }
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

  private async postBatchNow(manager: EntityManager, postings: Posting[]): Promise<PostingOutcome[]>;
  private async postBatchNow(manager: EntityManager, postings: Posting[], allOrNothing: true): Promise<PostingOutcome[] | null>;
  private async postBatchNow(manager: EntityManager, postings: Posting[], allOrNothing = false): Promise<PostingOutcome[] | null> {
    if (postings.length === 0) return [];
    for (const posting of postings) {
      const problem = movementProblem(posting.movements.map((movement) => movement.amount));
      if (problem) throw new Error(`Invalid posting ${posting.kind} (${posting.reference}): ${problem}`);
      if (posting.freshKey && !posting.idempotencyKey) throw new Error(`Invalid posting ${posting.kind} (${posting.reference}): freshKey without an idempotencyKey`);
    }
    const asset = postings[0].asset ?? SETTLEMENT_ASSET;
    const other = postings.find((posting) => (posting.asset ?? SETTLEMENT_ASSET) !== asset);
    if (other) throw new Error(`Invalid batch: ${other.kind} (${other.reference}) is in ${other.asset ?? SETTLEMENT_ASSET}, the batch in ${asset}`);
    await this.assets.decimals(asset, manager);

    return this.postLocked(manager, asset, postings, await this.lockAccounts(manager, asset, postings), allOrNothing);
  }

  /** The rest of a batch once `held` has every account of its movements locked (`allOrNothing`: see postAllOrNothing). */
  private async postLocked(manager: EntityManager, asset: string, postings: Posting[], held: Map<string, HeldAccount>): Promise<PostingOutcome[]>;
  private async postLocked(manager: EntityManager, asset: string, postings: Posting[], held: Map<string, HeldAccount>, allOrNothing: boolean): Promise<PostingOutcome[] | null>;
  private async postLocked(manager: EntityManager, asset: string, postings: Posting[], held: Map<string, HeldAccount>, allOrNothing = false): Promise<PostingOutcome[] | null> {
    await this.assertWithinCap(manager, asset, postings);
    const lookedUp = unique(postings.flatMap((posting) => (posting.idempotencyKey && !posting.freshKey ? [posting.idempotencyKey] : [])));
    const postedBefore = lookedUp.length > 0 ? await this.transactionIdsByKey(manager, lookedUp) : new Map<string, string>();

    const accountsById = new Map([...held.values()].map((account) => [account.id, account]));
    const resolved = postings.map((posting) => ({
      idempotencyKey: posting.idempotencyKey,
      movements: posting.movements.map((movement) => ({ accountId: held.get(refKey(movement.account))!.id, bucket: movement.bucket, amount: movement.amount })),
    }));
    const sequenceWithout = (replayed: Map<string, string>) =>
      computeSequence(
        accountsById,
        resolved.filter((posting) => posting.idempotencyKey === undefined || !replayed.has(posting.idempotencyKey)),
      );
    /** Index in `postings` of each posting the sequence computed (the ones whose key was not posted before). */
    const computedIndexes = (replayed: Map<string, string>) =>
      postings.flatMap((posting, index) => (posting.idempotencyKey === undefined || !replayed.has(posting.idempotencyKey) ? [index] : []));

    let sequence = sequenceWithout(postedBefore);
    let indexes = computedIndexes(postedBefore);
    if (allOrNothing && sequence.steps.some((step) => step.outcome === 'refused')) return null;
    const transactionIds = new Map(indexes.flatMap((index, step) => (sequence.steps[step].outcome === 'posted' ? [[index, randomUUID()]] : [])));
    const inserted = await this.write(manager, asset, postings, transactionIds, sequence, indexes, true);
    if (inserted.size < transactionIds.size) {
      // A key was posted meanwhile by another transaction (or before a "fresh" key): the write stopped after the
      // transaction rows. Those postings replay; the others are judged again without them and written, unless
      // that changes which of them fit (then their transaction rows are wrong: the caller must roll back).
      const lost = [...transactionIds].filter(([, id]) => !inserted.has(id)).map(([index]) => postings[index].idempotencyKey!);
      for (const [key, id] of await this.transactionIdsByKey(manager, lost)) postedBefore.set(key, id);
      sequence = sequenceWithout(postedBefore);
      indexes = computedIndexes(postedBefore);
      const stillPosted = indexes.filter((index, step) => sequence.steps[step].outcome === 'posted');
      if (stillPosted.length !== inserted.size || stillPosted.some((index) => !inserted.has(transactionIds.get(index)!))) throw new LedgerBatchConflict(lost);
      await this.write(manager, asset, postings, transactionIds, sequence, indexes, false);
    }

    const outcomes: PostingOutcome[] = postings.map((posting) => ({ ok: true, result: replayOf(postedBefore.get(posting.idempotencyKey!)!) }));
    const posted: Posting[] = [];
    indexes.forEach((index, step) => {
      const computed = sequence.steps[step];
      if (computed.outcome === 'refused') outcomes[index] = { ok: false, refusal: this.insufficientFunds(asset, computed.shortfall) };
      else if (computed.outcome === 'duplicate') outcomes[index] = { ok: true, result: replayOf(transactionIds.get(indexes[computed.of])!) };
      else {
        const { requestId } = postings[index];
        const result = () => this.resultOf(manager, asset, transactionIds.get(index)!, computed.computed.balances, accountsById);
        outcomes[index] = { ok: true, result: requestId ? RequestContext.run({ requestId }, result) : result() };
        posted.push(postings[index]);
      }
    });
    this.recordHouseMoves(manager, asset, posted);
    return outcomes;
  }

  /** The house's net movement per venue of what this batch posted, delivered after commit (for the P&L metric). */
  private recordHouseMoves(manager: EntityManager, asset: string, posted: Posting[]): void {
    const byVenue = new Map<HouseMovedEvent['venue'], bigint>();
    for (const posting of posted) {
      const venue = VENUE_OF_KIND[posting.kind.split('.')[0]];
      if (!venue) continue;
      for (const movement of posting.movements) {
        if ('system' in movement.account && movement.account.system === SystemAccount.house.system) byVenue.set(venue, (byVenue.get(venue) ?? 0n) + movement.amount);
      }
    }
    for (const [venue, amount] of byVenue) {
      if (amount !== 0n) this.events.afterCommit(manager, { name: AccountsEvent.HouseMoved, payload: { venue, asset, amount: this.assets.format(asset, amount) } });
    }
  }

  /** A posted posting's result, and its users' BalanceChanged events (the last of a transaction per user goes out). */
  private resultOf(manager: EntityManager, asset: string, transactionId: string, balances: Map<string, Balances>, accountsById: Map<string, HeldAccount>): PostingResult {
    const userBalances: UserBalance[] = [];
    const systemBalances: SystemBalance[] = [];
    for (const [accountId, accountBalances] of balances) {
      const { userId, systemKey } = accountsById.get(accountId)!;
      if (systemKey) systemBalances.push({ system: systemKey, asset, ...accountBalances });
      if (!userId) continue;
      userBalances.push({ userId, asset, ...accountBalances });
      const balance = { userId, asset, available: this.assets.format(asset, accountBalances.available), locked: this.assets.format(asset, accountBalances.locked) };
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
    const [granted] = await this.postBatchNow(manager, [
      {
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
      },
    ]);
    settled(granted);
  }

  /** Every account the postings move, locked in the ledger's order; a batch takes one shard of each sharded account. */
  private async lockAccounts(manager: EntityManager, asset: string, postings: Posting[]): Promise<Map<string, HeldAccount>> {
    const refs = postings.flatMap((posting) => posting.movements.map((movement) => movement.account));
    const userIds = unique(refs.flatMap((ref) => ('userId' in ref ? [ref.userId] : [])));
    const systemKeys = unique(refs.flatMap((ref) => ('system' in ref ? [ref.system] : [])));
    const plainKeys = systemKeys.filter((key) => !SHARDED_SYSTEM_ACCOUNTS.has(key));
    const shardedKeys = systemKeys.filter((key) => SHARDED_SYSTEM_ACCOUNTS.has(key)).sort();

    const held = new Map<string, HeldAccount>();
    const shardSeed = userIds[0] ?? postings[0].reference;
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
    if (shardedKey === undefined) return prepared<AccountRow>(manager, 'ledger_lock_accounts', plain, [asset, pgArray(userIds), pgArray(systemKeys)]);
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
      [asset, pgArray(userIds), pgArray(systemKeys), shardedKey, shards, shardOf(shardSeed!, shards)],
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

  /** The transaction id of each key already posted, in one statement. */
  private async transactionIdsByKey(manager: EntityManager, idempotencyKeys: string[]): Promise<Map<string, string>> {
    const rows = await prepared<{ id: string; idempotency_key: string }>(
      manager,
      'ledger_transactions_by_key',
      `SELECT id, idempotency_key FROM ledger_transactions WHERE idempotency_key = ANY($1::varchar[])`,
      [pgArray(idempotencyKeys)],
    );
    return new Map(rows.map((row) => [row.idempotency_key, row.id]));
  }

  /**
   * One statement: the transaction rows of the posted postings, the new cached balances and the entries, all
   * from arrays. Returns the ids of the transaction rows it inserted. When a key exists already (ON CONFLICT),
   * fewer rows go in and the statement writes no balances and no entries: the caller judges the batch again
   * and writes those alone (`withTransactions` false: the transaction rows are in).
   */
  private async write(
    manager: EntityManager,
    asset: string,
    postings: Posting[],
    transactionIds: Map<number, string>,
    sequence: ComputedSequence,
    indexes: number[],
    withTransactions: boolean,
  ): Promise<Set<string>> {
    const posted = indexes.flatMap((index, step) => {
      const computed = sequence.steps[step];
      return computed.outcome === 'posted' ? [{ posting: postings[index], transactionId: transactionIds.get(index)!, entries: computed.computed.entries }] : [];
    });
    const written = withTransactions ? posted : [];
    const entries = posted.flatMap(({ transactionId, entries: postingEntries }) => postingEntries.map((entry) => ({ transactionId, ...entry })));
    const balances = [...sequence.balances.entries()];
    const rows = await prepared<{ id: string }>(
      manager,
      'ledger_write_batch',
      `WITH tx AS (
         INSERT INTO ledger_transactions (id, kind, reference, idempotency_key, memo)
         SELECT * FROM unnest($1::uuid[], $2::varchar[], $3::varchar[], $4::varchar[], $5::varchar[])
         ON CONFLICT (idempotency_key) DO NOTHING
         RETURNING id
       ), complete AS (
         SELECT count(*) = cardinality($1::uuid[]) AS ok FROM tx
       ), balances AS (
         UPDATE accounts AS a SET available = v.available, locked = v.locked, updated_at = now()
           FROM complete, unnest($6::uuid[], $7::numeric[], $8::numeric[]) AS v(id, available, locked)
          WHERE complete.ok AND a.id = v.id
         RETURNING a.id
       ), entries AS (
         INSERT INTO ledger_entries (transaction_id, account_id, asset, bucket, amount, balance_after)
         SELECT e.transaction_id, e.account_id, $9, e.bucket, e.amount, e.balance_after
           FROM complete, unnest($10::uuid[], $11::uuid[], $12::varchar[], $13::numeric[], $14::numeric[])
                WITH ORDINALITY AS e(transaction_id, account_id, bucket, amount, balance_after, n)
          WHERE complete.ok
          ORDER BY e.n
         RETURNING transaction_id
       )
       SELECT id FROM tx`,
      [
        pgArray(written.map((item) => item.transactionId)),
        pgArray(written.map((item) => item.posting.kind)),
        pgArray(written.map((item) => item.posting.reference)),
        pgArray(written.map((item) => item.posting.idempotencyKey ?? null)),
        pgArray(written.map((item) => item.posting.memo ?? null)),
        pgArray(balances.map(([id]) => id)),
        pgArray(balances.map(([, b]) => b.available)),
        pgArray(balances.map(([, b]) => b.locked)),
        asset,
        pgArray(entries.map((entry) => entry.transactionId)),
        pgArray(entries.map((entry) => entry.accountId)),
        pgArray(entries.map((entry) => entry.bucket)),
        pgArray(entries.map((entry) => entry.amount)),
        pgArray(entries.map((entry) => entry.balanceAfter)),
      ],
    );
    return new Set(rows.map((row) => row.id));
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
/** LEDGER_MAX_POSTING exceeded by one movement. */
export class PostingTooLarge extends domainError(422, 'PostingTooLarge') {}

/** `value` with at most `decimals` fraction digits (a cap finer than the asset's unit rounds down). */
function truncateDecimals(value: string, decimals: number): string {
  const [whole, fraction = ''] = value.split('.');
  const kept = fraction.slice(0, decimals).replace(/0+$/, '');
  return kept ? `${whole}.${kept}` : whole;
}

export class LedgerOutsideTransaction extends Error {
  constructor() {
    super(`LedgerService needs the caller's transaction: pass the EntityManager of dataSource.transaction(...)`);
    this.name = 'LedgerOutsideTransaction';
  }
}

/** A single verb's result: the posting's, or its refusal thrown. */
function settled(outcome: PostingOutcome): PostingResult {
  if (!outcome.ok) throw outcome.refusal;
  return outcome.result;
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
