import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  AccountAddress,
  AuthenticationKey,
  Deserializer,
  EntryFunction,
  generateSigningMessageForTransaction,
  SignedTransaction,
  SimpleTransaction,
  TransactionAuthenticatorEd25519,
  TransactionPayloadEntryFunction,
} from '@aptos-labs/ts-sdk';

/**
 * A stand-in for an Aptos fullnode (REST, under /v1) and its indexer (GraphQL, /v1/graphql) for the endpoints the
 * adapter uses, answering with the shapes of test/fixtures/aptos/*.json (recorded from real responses, then
 * filled in per request). It runs the cash_markets package's rules for what it is asked: `round_salts::draw` by
 * the operator once per round (a second one aborts with E_ALREADY_DRAWN), deposits added by the test. Every
 * submitted transaction is decoded and its Ed25519 signature checked, so a test sees what the SDK really sent.
 */

const FIXTURES = join(__dirname, '..', 'fixtures', 'aptos');

function fixture<T>(name: string): T {
  return JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as T;
}

type Json = Record<string, unknown>;

export interface SubmittedTransaction {
  hash: string;
  sender: string;
  sequenceNumber: bigint;
  chainId: number;
  maxGasAmount: bigint;
  gasUnitPrice: bigint;
  /** `0x<64 hex>::module::function`. */
  functionId: string;
  /** The entry function's arguments, BCS bytes each. */
  args: Uint8Array[];
  signatureValid: boolean;
  /** What the node did with it: committed (success or abort), or refused at submission. */
  outcome: 'executed' | 'aborted' | 'refused';
}

export interface RecordedRequest {
  method: string;
  path: string;
  contentType: string | undefined;
}

interface StoredTransaction {
  version: bigint;
  json: Json;
  /** Lookups by hash still answered as pending before the committed transaction. */
  pendingLookups: number;
  pendingJson: Json;
}

interface ActivityRow {
  transaction_version: number;
  event_index: number;
  storage_id: string;
  is_transaction_success: boolean;
}

export interface AptosFullnodeOptions {
  /** The account the package's roles name operator. */
  operatorAddress: string;
  moduleAddress?: string;
  chainId?: number;
  /** How many times a by-hash lookup of a new transaction answers "pending" first (a real node does too). */
  pendingLookups?: number;
}

/** 0x and 64 lowercase hex digits, as the node writes non-special addresses. */
export function longAddress(address: string): string {
  return AccountAddress.from(address, { maxMissingChars: 63 }).toStringLong();
}

function sha3(...parts: (Uint8Array | string)[]): Buffer {
  const hash = createHash('sha3-256');
  for (const part of parts) hash.update(part);
  return hash.digest();
}

const TRANSACTION_PREFIX = sha3('APTOS::Transaction');

export class AptosFullnode {
  readonly moduleAddress: string;
  readonly operatorAddress: string;
  readonly chainId: number;
  readonly vaultStoreAddress: string;
  readonly tokenAddress: string;
  readonly requests: RecordedRequest[] = [];
  readonly submitted: SubmittedTransaction[] = [];
  /** Requests no handler took: the adapter called an endpoint the fixtures do not cover. */
  readonly unexpected: string[] = [];
  readonly indexerQueries: { query: string; variables: Json }[] = [];
  /** Round id → what the package recorded. */
  readonly draws = new Map<bigint, { salt: bigint; hash: string }>();
  pendingLookups: number;
  private ledgerVersion: bigint;
  private indexedVersion: bigint;
  /** Set by indexUpTo(version): the indexer stops following the ledger (it lags) until indexUpTo(). */
  private indexerPaused = false;
  private readonly sequenceNumbers = new Map<string, bigint>();
  private readonly byHash = new Map<string, StoredTransaction>();
  private readonly byVersion = new Map<bigint, StoredTransaction>();
  private readonly activities: ActivityRow[] = [];
  private server!: Server;
  url = '';

  private constructor(options: AptosFullnodeOptions) {
    this.moduleAddress = longAddress(options.moduleAddress ?? '0x5c1a3e7f9b2d4c6e8a0f1b3d5c7e9a2b4d6f8e0c1a3b5d7f9e2c4a6b8d0f1e3a');
    this.operatorAddress = longAddress(options.operatorAddress);
    const ledger = fixture<{ chain_id: number; ledger_version: string }>('ledger-info');
    this.chainId = options.chainId ?? ledger.chain_id;
    this.ledgerVersion = BigInt(ledger.ledger_version);
    this.indexedVersion = this.ledgerVersion;
    const [store, token] = fixture<[string, string, boolean]>('view-vault-config');
    this.vaultStoreAddress = longAddress(store);
    this.tokenAddress = longAddress(token);
    this.pendingLookups = options.pendingLookups ?? 1;
  }

  static async start(options: AptosFullnodeOptions): Promise<AptosFullnode> {
    const node = new AptosFullnode(options);
    node.server = createServer((request, response) => {
      node.handle(request, response).catch((error: Error) => node.answer(response, 500, { message: error.message, error_code: 'internal_error', vm_error_code: null }));
    });
    await new Promise<void>((resolve) => node.server.listen(0, '127.0.0.1', resolve));
    node.url = `http://127.0.0.1:${(node.server.address() as AddressInfo).port}/v1`;
    return node;
  }

  get indexerUrl(): string {
    return `${this.url}/graphql`;
  }

  /** Settings that point the app's AptosChain here. */
  env(operatorPrivateKey: string): Record<string, string> {
    return {
      APTOS_NETWORK: 'custom',
      APTOS_NODE_URL: this.url,
      APTOS_INDEXER_URL: this.indexerUrl,
      APTOS_MODULE_ADDRESS: this.moduleAddress,
      APTOS_OPERATOR_PRIVATE_KEY: operatorPrivateKey,
    };
  }

  get latestVersion(): bigint {
    return this.ledgerVersion;
  }

  /** What the indexer reports as processed (deposits after it are not served yet); by default everything. */
  indexUpTo(version?: bigint): void {
    this.indexerPaused = version !== undefined;
    this.indexedVersion = version ?? this.ledgerVersion;
  }

  /** A committed `vault::deposit` by `account` (its Deposited event and the store activity rows the indexer has). */
  addDeposit(account: string, amount: bigint, { success = true }: { success?: boolean } = {}): { version: bigint; hash: string } {
    const sender = longAddress(account);
    const text = JSON.stringify(fixture<Json>('deposit-transaction')).replaceAll('0x0::', `${this.moduleAddress}::`);
    const json = JSON.parse(text) as Json & { events: { data: Json }[]; changes: Json[]; payload: { arguments: string[] } };
    const amountText = amount.toString();
    json.payload.arguments = [amountText];
    const userStore = longAddress(`0x${sha3(sender, 'store').toString('hex')}`);
    json.events[0].data = { amount: amountText, store: userStore };
    json.events[1].data = { amount: amountText, store: this.vaultStoreAddress };
    json.events[2].data = { account: sender, amount: amountText };
    if (!success) {
      json.success = false;
      json.vm_status = 'Move abort in 0x1::fungible_asset: EINSUFFICIENT_BALANCE(0x10004): Insufficient balance in the store.';
      json.events = [json.events[3]];
    }
    const stored = this.commit(json, sender);
    // The indexer lists the user's withdrawal (another store) and the vault store's deposit.
    const version = Number(stored.version);
    this.activities.push({ transaction_version: version, event_index: 0, storage_id: userStore, is_transaction_success: success });
    this.activities.push({ transaction_version: version, event_index: 1, storage_id: this.vaultStoreAddress, is_transaction_success: success });
    return { version: stored.version, hash: String(stored.json.hash) };
  }

  /** A payout from the vault store: indexed activity on the store, but no Deposited event to credit. */
  addVaultPayout(to: string, amount: bigint): { version: bigint } {
    const text = JSON.stringify(fixture<Json>('deposit-transaction')).replaceAll('0x0::', `${this.moduleAddress}::`);
    const json = JSON.parse(text) as Json & { events: Json[]; payload: Json };
    json.payload = { function: `${this.moduleAddress}::vault::withdraw`, type_arguments: [], arguments: [`0x${'ab'.repeat(32)}`, longAddress(to), amount.toString()], type: 'entry_function_payload' };
    json.events = [
      { guid: { creation_number: '0', account_address: '0x0' }, sequence_number: '0', type: '0x1::fungible_asset::Withdraw', data: { amount: amount.toString(), store: this.vaultStoreAddress } },
      json.events[3],
    ];
    const stored = this.commit(json, this.operatorAddress);
    this.activities.push({ transaction_version: Number(stored.version), event_index: 0, storage_id: this.vaultStoreAddress, is_transaction_success: true });
    return { version: stored.version };
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request);
    const url = new URL(request.url ?? '/', 'http://node');
    const path = url.pathname.replace(/\/+$/, '');
    this.requests.push({ method: request.method ?? 'GET', path: url.pathname, contentType: request.headers['content-type'] });
    const get = request.method === 'GET';
    const post = request.method === 'POST';
    let match: RegExpMatchArray | null;

    if (get && path === '/v1') return this.answer(response, 200, { ...fixture<Json>('ledger-info'), chain_id: this.chainId, ledger_version: this.ledgerVersion.toString() });
    if (get && path === '/v1/estimate_gas_price') return this.answer(response, 200, fixture('gas-estimate'));
    if (get && (match = path.match(/^\/v1\/accounts\/(0x[0-9a-fA-F]+)$/))) {
      const address = longAddress(match[1]);
      return this.answer(response, 200, { ...fixture<Json>('account'), sequence_number: (this.sequenceNumbers.get(address) ?? 0n).toString(), authentication_key: address });
    }
    if (post && path === '/v1/view') return this.view(body, response);
    if (post && path === '/v1/transactions') return this.submit(body, request.headers['content-type'], response);
    if (get && (match = path.match(/^\/v1\/transactions\/(?:by_hash|wait_by_hash)\/(0x[0-9a-f]{64})$/))) return this.transactionByHash(match[1], response);
    if (get && (match = path.match(/^\/v1\/transactions\/by_version\/(\d+)$/))) {
      const stored = this.byVersion.get(BigInt(match[1]));
      if (!stored) return this.answer(response, 404, { message: `Transaction not found by Transaction version(${match[1]})`, error_code: 'transaction_not_found', vm_error_code: null });
      return this.answer(response, 200, stored.json);
    }
    if (post && path === '/v1/graphql') return this.graphql(body, response);
    this.unexpected.push(`${request.method} ${url.pathname}`);
    return this.answer(response, 404, { message: `no fixture for ${request.method} ${url.pathname}`, error_code: 'web_framework_error', vm_error_code: null });
  }

  private answer(response: ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'x-aptos-chain-id': String(this.chainId), 'x-aptos-ledger-version': this.ledgerVersion.toString() });
    response.end(text);
  }

  private view(body: Buffer, response: ServerResponse): void {
    const call = EntryFunction.deserialize(new Deserializer(body));
    const functionId = `${call.module_name.address.toStringLong()}::${call.module_name.name.identifier}::${call.function_name.identifier}`;
    const args = call.args.map((arg) => arg.bcsToBytes());
    if (functionId === `${this.moduleAddress}::vault::config`) return this.answer(response, 200, fixture('view-vault-config'));
    if (functionId === `${this.moduleAddress}::roles::operator`) return this.answer(response, 200, [this.operatorAddress]);
    if (functionId === `${this.moduleAddress}::round_salts::drawn`) {
      const draw = this.draws.get(u64Argument(args[0]));
      return this.answer(response, 200, draw ? [true, draw.salt.toString(), draw.hash] : fixture('view-drawn-none'));
    }
    this.unexpected.push(`view ${functionId}`);
    return this.answer(response, 400, { message: `Function ${functionId} does not exist`, error_code: 'invalid_input', vm_error_code: null });
  }

  private submit(body: Buffer, contentType: string | undefined, response: ServerResponse): void {
    if (contentType !== 'application/x.aptos.signed_transaction+bcs') {
      return this.answer(response, 415, { message: `unsupported content type ${contentType}`, error_code: 'web_framework_error', vm_error_code: null });
    }
    const signed = SignedTransaction.deserialize(new Deserializer(body));
    const raw = signed.raw_txn;
    const authenticator = signed.authenticator;
    const payload = raw.payload;
    if (!(authenticator instanceof TransactionAuthenticatorEd25519) || !(payload instanceof TransactionPayloadEntryFunction)) {
      return this.answer(response, 400, { message: 'only single-key Ed25519 entry function transactions are served here', error_code: 'invalid_input', vm_error_code: null });
    }
    const sender = raw.sender.toStringLong();
    const message = generateSigningMessageForTransaction(new SimpleTransaction(raw));
    const keyMatchesSender = AuthenticationKey.fromPublicKey({ publicKey: authenticator.public_key }).derivedAddress().toStringLong() === sender;
    const signatureValid = keyMatchesSender && authenticator.public_key.verifySignature({ message, signature: authenticator.signature });
    const hash = `0x${sha3(TRANSACTION_PREFIX, new Uint8Array([0]), body).toString('hex')}`;
    const call = payload.entryFunction;
    const submission: SubmittedTransaction = {
      hash,
      sender,
      sequenceNumber: raw.sequence_number,
      chainId: raw.chain_id.chainId,
      maxGasAmount: raw.max_gas_amount,
      gasUnitPrice: raw.gas_unit_price,
      functionId: `${call.module_name.address.toStringLong()}::${call.module_name.name.identifier}::${call.function_name.identifier}`,
      args: call.args.map((arg) => arg.bcsToBytes()),
      signatureValid,
      outcome: 'refused',
    };
    this.submitted.push(submission);
    const refuse = (code: string, vmErrorCode: number) =>
      this.answer(response, 400, { message: `Invalid transaction: Type: Validation Code: ${code}`, error_code: 'vm_error', vm_error_code: vmErrorCode });
    if (!signatureValid) return refuse('INVALID_SIGNATURE', 1);
    if (submission.chainId !== this.chainId) return refuse('BAD_CHAIN_ID', 21);
    if (submission.sequenceNumber !== (this.sequenceNumbers.get(sender) ?? 0n)) return refuse('SEQUENCE_NUMBER_TOO_OLD', 3);
    if (submission.functionId !== `${this.moduleAddress}::round_salts::draw`) {
      this.unexpected.push(`submit ${submission.functionId}`);
      return refuse('FUNCTION_RESOLUTION_FAILURE', 1091);
    }
    const roundId = u64Argument(submission.args[0]);
    const pending = this.filled(fixture<Json>('submitted-transaction'), submission, roundId);
    let json: Json;
    if (sender !== this.operatorAddress || this.draws.has(roundId)) {
      submission.outcome = 'aborted';
      json = this.filled(fixture<Json>('salt-draw-aborted-transaction'), submission, roundId);
      if (sender !== this.operatorAddress) json.vm_status = `Move abort in ${this.moduleAddress}::roles: E_NOT_OPERATOR(0x50002): The caller is not the operator.`;
    } else {
      submission.outcome = 'executed';
      json = this.filled(fixture<Json>('salt-draw-transaction'), submission, roundId);
      const salt = BigInt(`0x${randomBytes(32).toString('hex')}`);
      (json.events as { data: Json }[])[1].data = { round_id: roundId.toString(), salt: salt.toString() };
      this.draws.set(roundId, { salt, hash });
    }
    this.commit(json, sender, pending);
    return this.answer(response, 202, pending);
  }

  /** A template with this submission's fields (hash, sender, nonce, gas, arguments, signature) and module address. */
  private filled(template: Json, submission: SubmittedTransaction, roundId: bigint): Json {
    const json = JSON.parse(JSON.stringify(template).replaceAll('0x0::', `${this.moduleAddress}::`)) as Json & { payload: Json; signature: Json };
    json.hash = submission.hash;
    json.sender = submission.sender;
    json.sequence_number = submission.sequenceNumber.toString();
    json.max_gas_amount = submission.maxGasAmount.toString();
    json.gas_unit_price = submission.gasUnitPrice.toString();
    json.payload = { ...json.payload, function: submission.functionId, arguments: [roundId.toString()] };
    return json;
  }

  /** Puts a transaction on the ledger at the next version and bumps the sender's sequence number. */
  private commit(json: Json, sender: string, pendingJson?: Json): StoredTransaction {
    this.ledgerVersion += 1n;
    const sequenceNumber = this.sequenceNumbers.get(sender) ?? 0n;
    const hash = typeof json.hash === 'string' && !/^0x0+$/.test(json.hash) ? json.hash : `0x${randomBytes(32).toString('hex')}`;
    Object.assign(json, { version: this.ledgerVersion.toString(), hash, sender, sequence_number: sequenceNumber.toString(), timestamp: `${Date.now()}000` });
    for (const change of (json.changes as Json[] | undefined) ?? []) if ('address' in change) change.address = sender;
    this.sequenceNumbers.set(sender, sequenceNumber + 1n);
    const stored: StoredTransaction = { version: this.ledgerVersion, json, pendingLookups: pendingJson ? this.pendingLookups : 0, pendingJson: { ...(pendingJson ?? json), type: 'pending_transaction' } };
    this.byHash.set(hash, stored);
    this.byVersion.set(this.ledgerVersion, stored);
    if (!this.indexerPaused) this.indexedVersion = this.ledgerVersion;
    return stored;
  }

  private transactionByHash(hash: string, response: ServerResponse): void {
    const stored = this.byHash.get(hash);
    if (!stored) return this.answer(response, 404, { ...fixture<Json>('not-found'), message: `Transaction not found by Transaction hash(${hash})` });
    if (stored.pendingLookups > 0) {
      stored.pendingLookups -= 1;
      return this.answer(response, 200, stored.pendingJson);
    }
    return this.answer(response, 200, stored.json);
  }

  private graphql(body: Buffer, response: ServerResponse): void {
    const { query, variables = {} } = JSON.parse(body.toString('utf8')) as { query: string; variables?: Json };
    this.indexerQueries.push({ query, variables });
    if (/\bprocessor_status\b/.test(query)) {
      const status = fixture<{ data: { processor_status: Json[] } }>('processor-status');
      const processor = ((variables.where_condition as { processor?: { _eq?: string } } | undefined)?.processor?._eq ?? 'fungible_asset_processor') as string;
      return this.answer(response, 200, { data: { processor_status: [{ ...status.data.processor_status[0], processor, last_success_version: Number(this.indexedVersion) }] } });
    }
    if (/\bfungible_asset_activities\b/.test(query)) {
      const after = BigInt(String(variables.after));
      const upTo = BigInt(String(variables.upTo));
      const store = longAddress(String(variables.store));
      const rows = this.activities
        .filter((row) => row.storage_id === store && row.is_transaction_success && BigInt(row.transaction_version) > after && BigInt(row.transaction_version) <= upTo && BigInt(row.transaction_version) <= this.indexedVersion)
        .sort((a, b) => a.transaction_version - b.transaction_version || a.event_index - b.event_index)
        .slice(0, Number(variables.limit))
        .map(({ transaction_version, event_index }) => ({ transaction_version, event_index }));
      return this.answer(response, 200, { data: { fungible_asset_activities: rows } });
    }
    this.unexpected.push(`graphql ${query.slice(0, 80)}`);
    return this.answer(response, 200, { errors: [{ message: 'field not found in type: query_root', extensions: { code: 'validation-failed' } }] });
  }
}

/** A BCS u64 argument. */
export function u64Argument(bytes: Uint8Array): bigint {
  return new Deserializer(bytes).deserializeU64();
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}
