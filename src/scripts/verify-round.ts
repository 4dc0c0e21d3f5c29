import { SaltLookup, verifyRound } from '../rounds/fairness/round-verifier';
import { aptosNodeFor, ChainCheck, checkAptosSalt, checkEvmSalt, evmRpcFor, Fetch } from './salt-on-chain';

/**
 * `npm run verify-round -- <roundId> [--url http://host:port] [--rpc <EVM node>] [--aptos-node <fullnode>]`: fetches
 * the round's `/verify` data, recomputes it from scratch (cm-v1, docs/provably-fair.md), then checks the salt on
 * the chain itself: the pinned block's hash from an EVM node (--rpc, else EVM_RPC_URL, else the local dev chain
 * for chain 31337), or the Aptos draw's event from a fullnode (--aptos-node, else APTOS_NODE_URL, else the
 * network's public one). Prints "verified" (exit 0) or the first difference (exit 1). Exit 2: bad arguments, or
 * the round or the chain could not be asked. Without --url it asks the server the environment describes:
 * PUBLIC_URL, else http://localhost:$PORT.
 */

export const DEFAULT_URL = 'http://localhost:3000';
export const USAGE = 'usage: npm run verify-round -- <roundId> [--url http://host:port] [--rpc http://evm-node] [--aptos-node https://fullnode/v1] [--aptos-module 0x...]';

const OPTIONS = ['--url', '--rpc', '--aptos-node', '--aptos-module'] as const;
type OptionName = (typeof OPTIONS)[number];

export interface VerifyRoundArgs {
  roundId: string;
  url: string;
  rpc?: string;
  aptosNode?: string;
  aptosModule?: string;
}

export type VerifyRoundEnv = Readonly<Record<string, string | undefined>>;

/** Where the server of this environment listens, as the server itself defaults PUBLIC_URL. */
export function defaultServerUrl(env: VerifyRoundEnv): { url: string; source: string } {
  const publicUrl = env.PUBLIC_URL?.trim();
  if (publicUrl) return { url: publicUrl, source: 'PUBLIC_URL' };
  const port = env.PORT?.trim();
  if (port) return { url: `http://localhost:${port}`, source: 'PORT' };
  return { url: DEFAULT_URL, source: '--url' };
}

export interface VerifyRoundIo {
  /** GETs the server and the Aptos fullnode; POSTs JSON-RPC to the EVM node. */
  fetch: Fetch;
  out: (line: string) => void;
  err: (line: string) => void;
}

const HTTP_URL = /^https?:\/\/[^/]+/;

export function parseVerifyRoundArgs(args: readonly string[], env: VerifyRoundEnv = {}): VerifyRoundArgs | { error: string } {
  const server = defaultServerUrl(env);
  const given = new Map<OptionName, string>();
  const positional: string[] = [];
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index];
    const option = OPTIONS.find((name) => arg === name || arg.startsWith(`${name}=`));
    if (option) {
      const value = arg === option ? args[index + 1] : arg.slice(option.length + 1);
      if (value === undefined) return { error: `${option} needs a value` };
      if (arg === option) index += 1;
      given.set(option, value);
    } else if (arg.startsWith('-')) {
      return { error: `unknown option ${arg}` };
    } else {
      positional.push(arg);
    }
  }
  if (positional.length !== 1) return { error: 'give exactly one round id' };
  const url = given.get('--url') ?? server.url;
  if (!HTTP_URL.test(url)) return { error: `${given.has('--url') ? '--url' : server.source} must be http(s)://host[:port], got ${url}` };
  for (const option of ['--rpc', '--aptos-node'] as const) {
    const value = given.get(option);
    if (value !== undefined && !HTTP_URL.test(value)) return { error: `${option} must be an http(s) URL, got ${value}` };
  }
  const aptosModule = given.get('--aptos-module');
  if (aptosModule !== undefined && !/^0x[0-9a-fA-F]{1,64}$/.test(aptosModule)) return { error: `--aptos-module must be a 0x address, got ${aptosModule}` };
  return { roundId: positional[0], url: url.replace(/\/+$/, ''), rpc: given.get('--rpc'), aptosNode: given.get('--aptos-node'), aptosModule };
}

export function verifyUrl(baseUrl: string, roundId: string): string {
  return `${baseUrl}/api/v1/rounds/${encodeURIComponent(roundId)}/verify`;
}

/** fetch() says only "fetch failed"; the reason (ECONNREFUSED, a DNS error, ...) is in its cause. */
function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
}

export async function runVerifyRound(
  args: readonly string[],
  io: VerifyRoundIo,
  env: VerifyRoundEnv = {},
): Promise<number> {
  const parsed = parseVerifyRoundArgs(args, env);
  if ('error' in parsed) {
    io.err(parsed.error);
    io.err(USAGE);
    return 2;
  }
  const url = verifyUrl(parsed.url, parsed.roundId);
  let body: unknown;
  try {
    const response = await io.fetch(url);
    if (!response.ok) {
      io.err(`GET ${url} answered ${response.status}: ${(await response.text()).slice(0, 500)}`);
      return 2;
    }
    body = await response.json();
  } catch (error) {
    io.err(`GET ${url} failed: ${describeFailure(error)}`);
    return 2;
  }

  const outcome = verifyRound(body);
  if (!outcome.ok) {
    const { field, expected, actual, message } = outcome.difference;
    io.err(`NOT verified: ${field || 'response'}: expected ${expected}, got ${actual} (${message})`);
    for (const warning of outcome.warnings) io.err(`warning: ${warning}`);
    return 1;
  }
  const chain = outcome.saltLookup ? await checkSaltOnChain(io, outcome.saltLookup, parsed, env) : null;
  if (chain && !chain.ok) {
    io.err(chain.message);
    for (const warning of outcome.warnings) io.err(`warning: ${warning}`);
    return chain.exitCode;
  }
  io.out('verified');
  const end = outcome.rugTick === null ? 'no rug, ended at maxTicks' : `rugged at tick ${outcome.rugTick}`;
  io.out(`round ${parsed.roundId}: ${outcome.candles} candles recomputed, ${end}`);
  for (const line of chain?.lines ?? []) io.out(line);
  for (const warning of [...outcome.warnings, ...(chain?.warnings ?? [])]) io.out(`warning: ${warning}`);
  return 0;
}

/** The salt as the chain has it, asked of a node the caller picked, never of the game server. */
function checkSaltOnChain(io: VerifyRoundIo, lookup: SaltLookup, args: VerifyRoundArgs, env: VerifyRoundEnv): Promise<ChainCheck> {
  if (lookup.kind === 'evm-block') {
    const node = evmRpcFor(lookup.chainId, args.rpc, env);
    if (!node) return Promise.resolve({ ok: false, exitCode: 2, message: `the salt is block ${lookup.blockNumber}'s hash on chain ${lookup.chainId}: pass --rpc <a node of that chain> (or set EVM_RPC_URL) to check it` });
    return checkEvmSalt(io.fetch, node.url, lookup);
  }
  const node = aptosNodeFor(lookup.network, args.aptosNode, env);
  if (!node) return Promise.resolve({ ok: false, exitCode: 2, message: `the salt is an Aptos ${lookup.network} draw: pass --aptos-node <fullnode URL> (or set APTOS_NODE_URL) to check it` });
  return checkAptosSalt(io.fetch, node.url, lookup, args.aptosModule ?? env.APTOS_MODULE_ADDRESS);
}

if (require.main === module) {
  runVerifyRound(
    process.argv.slice(2),
    {
      fetch: (url, init) => fetch(url, init ?? { headers: { accept: 'application/json' } }),
      out: (line) => console.log(line),
      err: (line) => console.error(line),
    },
    process.env,
  )
    .then((code) => {
      process.exitCode = code;
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 2;
    });
}
