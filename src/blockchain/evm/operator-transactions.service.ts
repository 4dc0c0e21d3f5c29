import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Interface, isError, keccak256 } from 'ethers';
import { DataSource, EntityManager, In } from 'typeorm';
import { isPgError, PgError } from '../../database/pg-errors';
import { contractArtifact } from './contract-artifacts';
import { EvmChain } from './evm-chain.service';
import { FINAL_OPERATOR_TX_STATUSES, OperatorTransactionEntity, OperatorTxStatus } from './operator-transaction.entity';

/** A contract call the operator key should make once for `key`. */
export interface OperatorCall {
  /** Business id: asking again with the same key gives the same transaction (`withdrawal:<id>`, `seed-chain:…`). */
  key: string;
  to: string;
  data: string;
  value?: bigint;
}

export interface OperatorTransaction {
  key: string;
  network: string;
  nonce: number;
  to: string;
  data: string;
  txHash: string;
  status: OperatorTxStatus;
  blockNumber: number | null;
  blockHash: string | null;
  /** When a node first accepted it (null if none has yet). */
  broadcastAt: Date | null;
  createdAt: Date;
}

/**
 * Where a call stands. `confirmed` / `reverted`: mined EVM_CONFIRMATIONS deep with receipt status 1 / 0 (`tx` is
 * the mined transaction). `replaced`: its nonce went to another transaction (its cancellation), so the call never
 * ran and never will. `pending`: not final yet; `mined` says it is in a block short of the confirmations.
 */
export type OperatorOutcome =
  | { state: 'pending'; tx: OperatorTransaction; mined: boolean; cancelling: boolean }
  | { state: 'confirmed' | 'reverted'; tx: OperatorTransaction }
  | { state: 'replaced'; tx: OperatorTransaction };

/** The node says the call would revert (gas estimation), so nothing was signed or stored. */
export class OperatorCallReverted extends Error {
  constructor(
    readonly key: string,
    readonly reason: string,
  ) {
    super(`operator call ${key} would revert: ${reason}`);
  }
}

/** The key's transaction was made on another network (an earlier dev chain): it cannot be followed here. */
export class ForeignNetworkTransaction extends Error {}

interface RawReceipt {
  status: string;
  blockNumber: string;
  blockHash: string;
  gasUsed: string;
}

const CANCEL_SUFFIX = '#cancel';
/** Every replacement pays at least this much more per gas than what it replaces (nodes want +10%). */
const BUMP_NUMERATOR = 5n;
const BUMP_DENOMINATOR = 4n;

let knownErrors: Interface | undefined;

/** Errors of the contracts the operator calls, to name a revert (loaded on first use: artifacts exist once built). */
function contractErrors(): Interface {
  const errorsOf = (name: 'CashMarketsVault' | 'SeedCommitments' | 'TestUSDC') =>
    (contractArtifact(name).abi as readonly { type: string }[]).filter((item) => item.type === 'error') as unknown as string[];
  // The token's errors (an ERC-20 balance too low) come back through the vault's SafeERC20 call.
  knownErrors ??= new Interface([...errorsOf('CashMarketsVault'), ...errorsOf('SeedCommitments'), ...errorsOf('TestUSDC')]);
  return knownErrors;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The one sender of operator transactions. `prepare` allocates the nonce under the row lock of
 * `operator_nonces` (never ethers' NonceManager, which burns nonces on failed sends), signs, and stores the raw
 * transaction and its hash; only then is it broadcast. Every later step (`check`, `waitForOutcome`) starts from the
 * stored row: it rebroadcasts the same bytes, reads the receipt, and counts EVM_CONFIRMATIONS, so a process killed
 * anywhere resumes where it was. The only other transaction ever signed for a nonce is a deliberate `cancel`.
 */
@Injectable()
export class OperatorTransactions implements OnModuleDestroy {
  private readonly logger = new Logger(OperatorTransactions.name);
  private networkId: string | undefined;
  /** Set at shutdown: waits answer at once, so jobs end quickly and resume from the stored rows elsewhere. */
  private stopping = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly evm: EvmChain,
  ) {}

  get configured(): boolean {
    return this.evm.configured;
  }

  onModuleDestroy(): void {
    this.stopping = true;
  }

  /** `<chainId>:<genesis block hash>`: a fresh dev chain on the same chain id is another network. */
  async network(): Promise<string> {
    if (this.networkId) return this.networkId;
    const genesis = await this.evm.block(0);
    if (!genesis) throw new Error('the EVM node has no block 0');
    this.networkId = `${this.evm.config!.chainId}:${genesis.hash}`;
    return this.networkId;
  }

  async find(key: string, manager: EntityManager = this.dataSource.manager): Promise<OperatorTransaction | undefined> {
    const row = await manager.getRepository(OperatorTransactionEntity).findOne({ where: { key } });
    return row ? view(row) : undefined;
  }

  /**
   * The stored transaction of `call.key`, signed and stored now if there is none: simulated first (a call that
   * would revert throws OperatorCallReverted and stores nothing), then nonce, signature and row in one
   * transaction (the caller's, with `manager`: then it is broadcast only after the caller commits). Not broadcast.
   */
  async prepare(call: OperatorCall, manager?: EntityManager): Promise<OperatorTransaction> {
    const existing = await this.find(call.key, manager);
    if (existing) return this.onThisNetwork(existing);
    const network = await this.network();
    const operator = this.evm.operator;
    const value = call.value ?? 0n;
    let estimate: bigint;
    try {
      estimate = await this.evm.provider.estimateGas({ from: operator.address, to: call.to, data: call.data, value });
    } catch (error) {
      if (isError(error, 'CALL_EXCEPTION')) throw new OperatorCallReverted(call.key, revertReason(error));
      throw error;
    }
    const fees = await this.fees();
    const minedCount = await this.evm.provider.getTransactionCount(operator.address, 'latest');
    const store = async (inner: EntityManager): Promise<OperatorTransaction> => {
      const nonce = await this.lockNonce(inner, network, operator.address, minedCount);
      // Under the nonce lock every insert of this operator is serialised: a concurrent prepare of the same key committed first.
      const raced = await this.find(call.key, inner);
      if (raced) return this.onThisNetwork(raced);
      const row = await this.signAndStore(inner, {
        key: call.key,
        network,
        purpose: 'call',
        replacesId: null,
        to: call.to,
        data: call.data,
        value,
        nonce,
        gasLimit: (estimate * 12n) / 10n + 10_000n,
        ...fees,
      });
      await inner.query(`UPDATE operator_nonces SET next_nonce = $3, updated_at = now() WHERE network = $1 AND address = $2`, [network, operator.address, nonce + 1]);
      return view(row);
    };
    return manager ? store(manager) : this.dataSource.transaction(store);
  }

  /** `prepare` in its own transaction, then broadcast. */
  async submit(call: OperatorCall): Promise<OperatorTransaction> {
    const tx = await this.prepare(call);
    await this.broadcast(tx.key);
    return (await this.find(tx.key))!;
  }

  /** `submit`, then wait up to `timeoutMs` for the outcome (which may still be `pending`). */
  async send(call: OperatorCall, timeoutMs = 60_000): Promise<OperatorOutcome> {
    await this.submit(call);
    return this.waitForOutcome(call.key, timeoutMs);
  }

  /** Sends the stored bytes of `key` (and of its cancellation) again; answers whether a node holds one now. */
  async broadcast(key: string): Promise<boolean> {
    const family = await this.family(key);
    let accepted = false;
    // The newest first: after a cancellation the original is refused as underpriced, which is fine.
    for (const row of [...family].reverse()) if (!isFinal(row.status)) accepted = (await this.broadcastRow(row)) || accepted;
    return accepted;
  }

  /** One look at the chain: finalises the rows of `key` once one of them (or a stranger) took the nonce deep enough. */
  async check(key: string): Promise<OperatorOutcome> {
    const family = await this.family(key);
    const original = family[0];
    if (isFinal(original.status)) return outcomeOf(family);
    await this.network().then((network) => {
      if (network !== original.network) throw new ForeignNetworkTransaction(`${key} was sent on network ${original.network}, this node is ${network}`);
    });
    const required = Math.max(1, this.evm.config!.confirmations);
    const head = await this.evm.blockNumber();
    let mined = false;
    for (const row of family) {
      const receipt = (await this.evm.provider.send('eth_getTransactionReceipt', [row.txHash])) as RawReceipt | null;
      if (!receipt) continue;
      const blockNumber = Number(BigInt(receipt.blockNumber));
      if (head - blockNumber + 1 < required) {
        mined = true;
        continue;
      }
      // The receipt's block must still be the chain's block at that height (not reorged away meanwhile).
      const block = await this.evm.block(blockNumber);
      if (block?.hash !== receipt.blockHash) continue;
      return this.finalise(family, row, receipt);
    }
    if (!mined) {
      // No receipt of ours: if the nonce is used at a confirmed depth all the same, something else took it.
      const confirmedCount = await this.evm.provider.getTransactionCount(original.fromAddress, Math.max(0, head - required + 1));
      if (confirmedCount > original.nonce) {
        this.logger.warn(`nonce ${original.nonce} of ${key} was used by a transaction this server did not sign`);
        return this.finalise(family, undefined, undefined);
      }
      for (const row of [...family].reverse()) {
        const known = await this.evm.provider.send('eth_getTransactionByHash', [row.txHash]);
        if (!known || row.status === 'SIGNED') await this.broadcastRow(row);
      }
    }
    const refreshed = await this.family(key);
    return { state: 'pending', tx: view(refreshed[0]), mined, cancelling: refreshed.length > 1 };
  }

  /** `check` every EVM_POLL_MS until the outcome is final or `timeoutMs` passed (or the process is shutting down). */
  async waitForOutcome(key: string, timeoutMs: number): Promise<OperatorOutcome> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const outcome = await this.check(key);
      if (outcome.state !== 'pending' || Date.now() >= deadline || this.stopping) return outcome;
      await sleep(Math.min(this.evm.config!.pollMs, Math.max(0, deadline - Date.now())));
    }
  }

  /**
   * Voids the call of `key` if it is not mined yet: a 0-value transfer to the operator itself on the same nonce,
   * paying more per gas so nodes take it instead. Whichever of the two is mined decides the outcome (`replaced`
   * when the cancellation wins). Once per key; a no-op for a final one.
   */
  async cancel(key: string): Promise<void> {
    const family = await this.family(key);
    const original = family[0];
    if (isFinal(original.status) || family.length > 1) return;
    const operator = this.evm.operator;
    const fees = await this.fees();
    const bump = (value: bigint) => (value * BUMP_NUMERATOR) / BUMP_DENOMINATOR + 1n;
    const maxPriorityFeePerGas = max(fees.maxPriorityFeePerGas, bump(original.maxPriorityFeePerGas));
    const maxFeePerGas = max(max(fees.maxFeePerGas, bump(original.maxFeePerGas)), maxPriorityFeePerGas);
    try {
      await this.dataSource.transaction(async (manager) => {
        // The nonce lock keeps this in the one order every signature of the operator follows.
        await this.lockNonce(manager, original.network, operator.address, 0);
        await this.signAndStore(manager, {
          key: `${key}${CANCEL_SUFFIX}`,
          network: original.network,
          purpose: 'cancel',
          replacesId: original.id,
          to: operator.address,
          data: '0x',
          value: 0n,
          nonce: original.nonce,
          gasLimit: 21_000n,
          maxFeePerGas,
          maxPriorityFeePerGas,
        });
      });
    } catch (error) {
      // A concurrent cancel stored it first: broadcasting below sends that one.
      if (!isPgError(error, PgError.UniqueViolation)) throw error;
    }
    this.logger.warn(`cancelling ${key} (nonce ${original.nonce}, ${original.txHash})`);
    await this.broadcast(key);
  }

  /** Keys of calls on this network that are not final, oldest first: for a sweep that keeps them moving. */
  async openKeys(limit = 100): Promise<string[]> {
    const rows = await this.dataSource.getRepository(OperatorTransactionEntity).find({
      select: { key: true },
      where: { network: await this.network(), purpose: 'call', status: In(['SIGNED', 'BROADCAST']) },
      order: { createdAt: 'ASC' },
      take: limit,
    });
    return rows.map((row) => row.key);
  }

  /** One `check` of every call not final yet (oldest first, at most `limit`): keeps their nonces moving. Answers how many. */
  async nudgeOpen(limit = 50): Promise<number> {
    const keys = await this.openKeys(limit);
    for (const key of keys) {
      await this.check(key).catch((error: unknown) => this.logger.warn(`checking ${key} failed: ${(error as Error).message}`));
    }
    return keys.length;
  }

  private onThisNetwork(tx: OperatorTransaction): Promise<OperatorTransaction> {
    return this.network().then((network) => {
      if (tx.network !== network) throw new ForeignNetworkTransaction(`${tx.key} was sent on network ${tx.network}, this node is ${network}`);
      return tx;
    });
  }

  /** The call of `key` first, then its cancellation if any. */
  private async family(key: string): Promise<OperatorTransactionEntity[]> {
    const repository = this.dataSource.getRepository(OperatorTransactionEntity);
    const original = await repository.findOne({ where: { key, purpose: 'call' } });
    if (!original) throw new Error(`no operator transaction ${key}`);
    const replacements = await repository.find({ where: { replacesId: original.id }, order: { createdAt: 'ASC' } });
    return [original, ...replacements];
  }

  private async fees(): Promise<{ maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }> {
    const data = await this.evm.provider.getFeeData();
    const maxPriorityFeePerGas = data.maxPriorityFeePerGas ?? data.gasPrice ?? 1_000_000_000n;
    const maxFeePerGas = data.maxFeePerGas ?? (data.gasPrice ?? maxPriorityFeePerGas) * 2n;
    return { maxFeePerGas: max(maxFeePerGas, maxPriorityFeePerGas), maxPriorityFeePerGas };
  }

  /** Locks the operator's nonce row (created from the chain's count on first use); the next nonce to use. */
  private async lockNonce(manager: EntityManager, network: string, address: string, minedCount: number): Promise<number> {
    await manager.query(`INSERT INTO operator_nonces (network, address, next_nonce) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [network, address, minedCount]);
    const [row] = (await manager.query(`SELECT next_nonce FROM operator_nonces WHERE network = $1 AND address = $2 FOR UPDATE`, [network, address])) as { next_nonce: string }[];
    // The chain is ahead when something else used the key: never reuse a nonce it already spent.
    return Math.max(Number(row.next_nonce), minedCount);
  }

  private async signAndStore(
    manager: EntityManager,
    fields: Pick<OperatorTransactionEntity, 'key' | 'network' | 'purpose' | 'replacesId' | 'data' | 'value' | 'nonce' | 'gasLimit' | 'maxFeePerGas' | 'maxPriorityFeePerGas'> & { to: string },
  ): Promise<OperatorTransactionEntity> {
    const operator = this.evm.operator;
    const chainId = this.evm.config!.chainId;
    const rawTx = await operator.signTransaction({
      type: 2,
      chainId,
      nonce: fields.nonce,
      to: fields.to,
      data: fields.data,
      value: fields.value,
      gasLimit: fields.gasLimit,
      maxFeePerGas: fields.maxFeePerGas,
      maxPriorityFeePerGas: fields.maxPriorityFeePerGas,
    });
    const repository = manager.getRepository(OperatorTransactionEntity);
    return repository.save(
      repository.create({
        ...fields,
        toAddress: fields.to,
        chainId,
        fromAddress: operator.address,
        rawTx,
        txHash: keccak256(rawTx),
        status: 'SIGNED',
        blockNumber: null,
        blockHash: null,
        gasUsed: null,
        lastError: null,
        broadcastAt: null,
        finalAt: null,
      }),
    );
  }

  /** Sends the stored bytes; true when a node holds them now (or took the nonce, which `check` sorts out). */
  private async broadcastRow(row: OperatorTransactionEntity): Promise<boolean> {
    try {
      await this.evm.provider.send('eth_sendRawTransaction', [row.rawTx]);
    } catch (error) {
      const message = errorText(error);
      if (/already (known|imported)|known transaction/i.test(message)) {
        // Accepted before: fall through to mark it broadcast.
      } else if (isError(error, 'NONCE_EXPIRED') || /nonce too low|already been used/i.test(message)) {
        return true;
      } else if (isError(error, 'REPLACEMENT_UNDERPRICED') || /underpriced/i.test(message)) {
        return false;
      } else {
        this.logger.warn(`broadcasting ${row.key} (${row.txHash}) failed: ${message}`);
        await this.dataSource.getRepository(OperatorTransactionEntity).update({ id: row.id }, { lastError: message.slice(0, 500) });
        return false;
      }
    }
    await this.dataSource.query(
      `UPDATE operator_transactions SET status = CASE WHEN status = 'SIGNED' THEN 'BROADCAST' ELSE status END,
         broadcast_at = coalesce(broadcast_at, now()), last_error = NULL, updated_at = now() WHERE id = $1`,
      [row.id],
    );
    return true;
  }

  /** `winner` took the nonce (or a stranger did, with no winner): every row of the family becomes final. */
  private async finalise(family: OperatorTransactionEntity[], winner: OperatorTransactionEntity | undefined, receipt: RawReceipt | undefined): Promise<OperatorOutcome> {
    await this.dataSource.transaction(async (manager) => {
      const repository = manager.getRepository(OperatorTransactionEntity);
      for (const row of family) {
        if (row === winner && receipt) {
          Object.assign(row, {
            status: BigInt(receipt.status) === 1n ? 'CONFIRMED' : 'REVERTED',
            blockNumber: Number(BigInt(receipt.blockNumber)),
            blockHash: receipt.blockHash,
            gasUsed: BigInt(receipt.gasUsed),
            finalAt: new Date(),
          });
        } else {
          Object.assign(row, { status: 'REPLACED', finalAt: new Date() });
        }
        await repository.update({ id: row.id }, { status: row.status, blockNumber: row.blockNumber, blockHash: row.blockHash, gasUsed: row.gasUsed, finalAt: row.finalAt });
      }
    });
    return outcomeOf(family);
  }
}

function isFinal(status: OperatorTxStatus): boolean {
  return FINAL_OPERATOR_TX_STATUSES.includes(status);
}

/** The outcome of a family whose rows are final. */
function outcomeOf(family: OperatorTransactionEntity[]): OperatorOutcome {
  const [original] = family;
  if (original.status === 'CONFIRMED') return { state: 'confirmed', tx: view(original) };
  if (original.status === 'REVERTED') return { state: 'reverted', tx: view(original) };
  const winner = family.find((row) => row.status === 'CONFIRMED' || row.status === 'REVERTED');
  return { state: 'replaced', tx: view(winner ?? original) };
}

function view(row: OperatorTransactionEntity): OperatorTransaction {
  return {
    key: row.key,
    network: row.network,
    nonce: row.nonce,
    to: row.toAddress,
    data: row.data,
    txHash: row.txHash,
    status: row.status,
    blockNumber: row.blockNumber,
    blockHash: row.blockHash,
    broadcastAt: row.broadcastAt,
    createdAt: row.createdAt,
  };
}

function max(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

function errorText(error: unknown): string {
  const nested = (error as { error?: { message?: string }; info?: { error?: { message?: string } } }) ?? {};
  return [nested.error?.message, nested.info?.error?.message, (error as Error)?.message].filter(Boolean).join(': ');
}

/** The custom error's name (and arguments) of a reverted simulation, or the node's message. */
function revertReason(error: unknown): string {
  const data = (error as { data?: string }).data;
  if (typeof data === 'string' && data.length >= 10) {
    try {
      const parsed = contractErrors().parseError(data);
      if (parsed) return parsed.args.length > 0 ? `${parsed.name}(${parsed.args.map(String).join(', ')})` : parsed.name;
    } catch {
      // not one of ours: the message below
    }
  }
  return (error as { shortMessage?: string }).shortMessage ?? errorText(error);
}
