import { PINNED_BLOCK_SLACK_MS, SaltLookup } from '../rounds/fairness/round-verifier';

/**
 * The verify-round CLI's look-ups of a salt on the chain itself: the block hash from an EVM node, the
 * `RoundSaltDrawn` event from an Aptos fullnode. The answer never comes from the game server.
 */

export type Fetch = (
  url: string,
  init?: { method: string; headers: Record<string, string>; body: string },
) => Promise<{ ok: boolean; status: number; json(): Promise<unknown>; text(): Promise<string> }>;

export type ChainCheck =
  | { ok: true; lines: string[]; warnings: string[] }
  /** exit 1: the chain disagrees with the server; exit 2: the chain could not be asked. */
  | { ok: false; exitCode: 1 | 2; message: string };

export const DEV_CHAIN_ID = 31337;
const APTOS_PUBLIC_NODES: Record<string, string> = {
  mainnet: 'https://api.mainnet.aptoslabs.com/v1',
  testnet: 'https://api.testnet.aptoslabs.com/v1',
  devnet: 'https://api.devnet.aptoslabs.com/v1',
};

export type ChainEnv = Readonly<Record<string, string | undefined>>;

/** The node to ask for a block of `chainId`: --rpc, else EVM_RPC_URL, else the local dev chain for 31337. */
export function evmRpcFor(chainId: number, flag: string | undefined, env: ChainEnv): { url: string; source: string } | undefined {
  if (flag) return { url: flag, source: '--rpc' };
  const fromEnv = env.EVM_RPC_URL?.trim();
  if (fromEnv) return { url: fromEnv, source: 'EVM_RPC_URL' };
  if (chainId === DEV_CHAIN_ID) return { url: `http://127.0.0.1:${env.DEV_CHAIN_PORT?.trim() || '8545'}`, source: 'the local dev chain (DEV_CHAIN_PORT)' };
  return undefined;
}

export function aptosNodeFor(network: string, flag: string | undefined, env: ChainEnv): { url: string; source: string } | undefined {
  if (flag) return { url: flag, source: '--aptos-node' };
  const fromEnv = env.APTOS_NODE_URL?.trim();
  if (fromEnv) return { url: fromEnv, source: 'APTOS_NODE_URL' };
  const known = APTOS_PUBLIC_NODES[network];
  return known ? { url: known, source: `the public ${network} fullnode` } : undefined;
}

class Unreachable extends Error {}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
}

async function rpc(fetch: Fetch, url: string, method: string, params: unknown[]): Promise<unknown> {
  let body: unknown;
  try {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
    if (!response.ok) throw new Unreachable(`${method} answered HTTP ${response.status}`);
    body = await response.json();
  } catch (error) {
    if (error instanceof Unreachable) throw error;
    throw new Unreachable(`${method} failed: ${describe(error)}`);
  }
  const answer = body as { result?: unknown; error?: { message?: string } };
  if (answer.error) throw new Unreachable(`${method} answered an error: ${answer.error.message ?? JSON.stringify(answer.error)}`);
  return answer.result;
}

/** Asks the node for the pinned block and compares its hash with the published salt. */
export async function checkEvmSalt(fetch: Fetch, rpcUrl: string, lookup: Extract<SaltLookup, { kind: 'evm-block' }>): Promise<ChainCheck> {
  try {
    const chainId = Number(BigInt(String(await rpc(fetch, rpcUrl, 'eth_chainId', []))));
    if (chainId !== lookup.chainId) {
      return { ok: false, exitCode: 2, message: `${rpcUrl} is chain ${chainId}, but the salt block is on chain ${lookup.chainId}: pass --rpc with a node of chain ${lookup.chainId}` };
    }
    const block = (await rpc(fetch, rpcUrl, 'eth_getBlockByNumber', [`0x${lookup.blockNumber.toString(16)}`, false])) as { hash?: string; timestamp?: string } | null;
    if (!block || typeof block.hash !== 'string') {
      const head = Number(BigInt(String(await rpc(fetch, rpcUrl, 'eth_blockNumber', []))));
      return { ok: false, exitCode: 1, message: `NOT verified: salt: block ${lookup.blockNumber} does not exist on ${rpcUrl} (its head is ${head}), so the salt cannot be its hash` };
    }
    const chainHash = block.hash.toLowerCase();
    if (chainHash !== lookup.salt) {
      return { ok: false, exitCode: 1, message: `NOT verified: salt: expected "${chainHash}" (block ${lookup.blockNumber}'s hash on ${rpcUrl}), got "${lookup.salt}"` };
    }
    const warnings: string[] = [];
    const minedAt = block.timestamp === undefined ? undefined : Number(BigInt(block.timestamp)) * 1000;
    if (minedAt !== undefined && minedAt + PINNED_BLOCK_SLACK_MS < Date.parse(lookup.pinnedAt)) {
      warnings.push(`block ${lookup.blockNumber} was mined at ${new Date(minedAt).toISOString()}, before the round pinned it (${lookup.pinnedAt})`);
    }
    return { ok: true, lines: [`salt: block ${lookup.blockNumber} of chain ${chainId} has this hash on ${rpcUrl}`], warnings };
  } catch (error) {
    if (error instanceof Unreachable) return { ok: false, exitCode: 2, message: `could not check the salt on ${rpcUrl}: ${error.message}` };
    throw error;
  }
}

/** 0x00c0ffee and 0xc0ffee are the same Aptos address. */
function normalAddress(address: string): string {
  return `0x${address.toLowerCase().replace(/^0x/, '').replace(/^0+(?=.)/, '')}`;
}

interface AptosEvent {
  type?: unknown;
  data?: { round_id?: unknown; salt?: unknown };
}

/** Fetches the draw transaction from a fullnode and finds its `RoundSaltDrawn` event from the module. */
export async function checkAptosSalt(
  fetch: Fetch,
  nodeUrl: string,
  lookup: Extract<SaltLookup, { kind: 'aptos' }>,
  trustedModule: string | undefined,
): Promise<ChainCheck> {
  const warnings: string[] = [];
  if (trustedModule && normalAddress(trustedModule) !== normalAddress(lookup.moduleAddress)) {
    return { ok: false, exitCode: 1, message: `NOT verified: saltReference.moduleAddress: expected "${trustedModule}", got "${lookup.moduleAddress}"` };
  }
  if (!trustedModule) warnings.push(`module address ${lookup.moduleAddress} is the server's word: compare it with the published one (or pass --aptos-module)`);
  const url = `${nodeUrl.replace(/\/+$/, '')}/transactions/by_hash/${encodeURIComponent(lookup.txHash)}`;
  let transaction: { success?: unknown; events?: unknown };
  try {
    const response = await fetch(url);
    if (response.status === 404) return { ok: false, exitCode: 1, message: `NOT verified: saltReference.txHash: ${lookup.txHash} is not a transaction on ${nodeUrl}` };
    if (!response.ok) return { ok: false, exitCode: 2, message: `could not check the salt: GET ${url} answered ${response.status}` };
    transaction = (await response.json()) as typeof transaction;
  } catch (error) {
    return { ok: false, exitCode: 2, message: `could not check the salt: GET ${url} failed: ${describe(error)}` };
  }
  if (transaction.success !== true) return { ok: false, exitCode: 1, message: `NOT verified: saltReference.txHash: transaction ${lookup.txHash} did not succeed` };
  const module = normalAddress(lookup.moduleAddress);
  const drawn = (Array.isArray(transaction.events) ? (transaction.events as AptosEvent[]) : []).find((event) => {
    const match = typeof event.type === 'string' ? /^(0x[0-9a-fA-F]+)::[A-Za-z0-9_]+::RoundSaltDrawn$/.exec(event.type) : null;
    return match !== null && normalAddress(match[1]) === module;
  });
  if (!drawn) return { ok: false, exitCode: 1, message: `NOT verified: saltReference.txHash: transaction ${lookup.txHash} emitted no RoundSaltDrawn event from ${lookup.moduleAddress}` };
  const roundId = String(drawn.data?.round_id);
  if (roundId !== lookup.roundId) return { ok: false, exitCode: 1, message: `NOT verified: saltReference.pinned: expected "${roundId}" (the draw's round_id), got "${lookup.roundId}"` };
  // The event shows the u256 in decimal; salts are written as its 64 hex digits.
  const drawnSalt = String(drawn.data?.salt);
  const salt = /^[0-9]{1,78}$/.test(drawnSalt) ? BigInt(drawnSalt).toString(16).padStart(64, '0') : drawnSalt;
  if (salt !== lookup.salt) return { ok: false, exitCode: 1, message: `NOT verified: salt: expected "${salt}" (the RoundSaltDrawn salt ${drawnSalt} on ${nodeUrl}), got "${lookup.salt}"` };
  return { ok: true, lines: [`salt: drawn for round id ${roundId} in transaction ${lookup.txHash} on ${nodeUrl}`], warnings };
}
