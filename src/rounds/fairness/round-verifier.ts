import { generateCandlePath } from './candle-path';
import { sha256Seed } from './hash-chain';
import { isSeedHex } from './hex';
import { formatPrice } from './price';
import { DEFAULT_ROUND_PARAMS, FAIRNESS_ALGORITHM, ROUND_PARAM_NAMES, roundParamsProblem, toRoundParams } from './round-params';
import { roundSeedOf } from './round-seed';

/**
 * The body of `GET /api/v1/rounds/:id/verify` (cm-v1). Prices are 8-decimal strings; `at` is the
 * candle's time and is not part of what the seed decides.
 */
export interface RoundVerification {
  roundId: string;
  number: number;
  algorithm: string;
  params: Record<string, number>;
  serverSeed: string;
  serverSeedHash: string;
  salt: string;
  saltSource: string;
  /** Where to look the salt up: required for `evm-block` and `aptos`, null for `server`. */
  saltReference?: PublishedSaltReference | null;
  seedRevealTxHash?: string | null;
  roundSeed: string;
  rugTick: number | null;
  candles: { roundId: string; tick: number; open: string; high: string; low: string; close: string; at?: string }[];
}

export interface PublishedSaltReference {
  kind: string;
  pinned: string;
  pinnedAt: string;
  chainId: number | null;
  blockNumber: number | null;
  blockHash: string | null;
  blockTime: string | null;
  aptosNetwork: string | null;
  moduleAddress: string | null;
  txHash: string | null;
  version: string | null;
}

/**
 * What is left to check outside the response: that the chain itself has this salt. `evm-block`: block
 * `blockNumber` of chain `chainId` has hash `salt`; `aptos`: transaction `txHash` emitted
 * `RoundSaltDrawn {round_id: roundId, salt}` from `moduleAddress`.
 */
export type SaltLookup =
  | { kind: 'evm-block'; chainId: number; blockNumber: number; salt: string; pinnedAt: string }
  | { kind: 'aptos'; network: string; moduleAddress: string; roundId: string; txHash: string; salt: string };

/** The first place where the published round and the recomputation part ways. */
export interface VerificationDifference {
  /** Where, as a path into the response: `roundSeed`, `candles[41].close`, ... */
  field: string;
  expected: string;
  actual: string;
  message: string;
}

export type VerificationOutcome =
  | { ok: true; candles: number; rugTick: number | null; saltLookup: SaltLookup | null; warnings: string[] }
  | { ok: false; difference: VerificationDifference; warnings: string[] };

/** Salt sources a player cannot check on their own: the server picked the salt. */
const UNVERIFIABLE_SALT_SOURCES = new Set(['server']);
const BLOCK_HASH = /^0x[0-9a-f]{64}$/;
const DECIMAL = /^(0|[1-9][0-9]*)$/;
/** A block stamped this long before its round's creation was already mined when the round pinned it. */
export const PINNED_BLOCK_SLACK_MS = 5000;
const CANDLE_PRICES = ['open', 'high', 'low', 'close'] as const;

class Mismatch extends Error {
  constructor(readonly difference: VerificationDifference) {
    super(difference.message);
  }
}

function show(value: unknown): string {
  return value === undefined ? 'missing' : JSON.stringify(value);
}

function mismatch(field: string, expected: unknown, actual: unknown, message: string): never {
  throw new Mismatch({ field, expected: show(expected), actual: show(actual), message });
}

function expectEqual(field: string, expected: unknown, actual: unknown, message: string): void {
  if (expected !== actual) mismatch(field, expected, actual, message);
}

function expectString(record: Record<string, unknown>, field: string, path = field): string {
  const value = record[field];
  if (typeof value !== 'string') mismatch(path, 'a string', value, `${path} is missing or not a string`);
  return value;
}

function expectSeed(record: Record<string, unknown>, field: string): string {
  const value = record[field];
  if (!isSeedHex(value)) mismatch(field, '64 lowercase hex digits', value, `${field} is not 32 bytes of lowercase hex`);
  return value;
}

/**
 * Recomputes a finished round from what `/verify` published and reports the first difference,
 * checking in this order: algorithm, params, the chain link sha256(serverSeed) = serverSeedHash,
 * roundSeed = HMAC(serverSeed, salt), that the salt is what its reference names (the pinned block's
 * published hash, an Aptos draw), every candle (count, tick, open, high, low, close, roundId)
 * and the rug tick. Takes `unknown`: it must survive whatever a server sends.
 */
export function verifyRound(published: unknown): VerificationOutcome {
  const warnings: string[] = [];
  try {
    const result = recompute(published, warnings);
    return { ok: true, ...result, warnings };
  } catch (error) {
    if (error instanceof Mismatch) return { ok: false, difference: error.difference, warnings };
    throw error;
  }
}

function recompute(published: unknown, warnings: string[]): { candles: number; rugTick: number | null; saltLookup: SaltLookup | null } {
  if (typeof published !== 'object' || published === null || Array.isArray(published)) {
    mismatch('', 'an object', published, 'the verify response is not a JSON object');
  }
  const round = published as Record<string, unknown>;
  const roundId = expectString(round, 'roundId');
  expectEqual('algorithm', FAIRNESS_ALGORITHM, round.algorithm, `only ${FAIRNESS_ALGORITHM} can be verified`);

  const paramsProblem = roundParamsProblem(round.params);
  if (paramsProblem !== null) mismatch('params', 'the cm-v1 parameters', round.params, paramsProblem);
  const params = toRoundParams(round.params);
  const unusual = ROUND_PARAM_NAMES.filter((name) => params[name] !== DEFAULT_ROUND_PARAMS[name]);
  if (unusual.length > 0) {
    warnings.push(`params differ from the cm-v1 defaults: ${unusual.map((name) => `${name}=${params[name]}`).join(', ')}`);
  }

  const serverSeed = expectSeed(round, 'serverSeed');
  const serverSeedHash = expectSeed(round, 'serverSeedHash');
  expectEqual('serverSeedHash', sha256Seed(serverSeed), serverSeedHash, 'sha256(serverSeed) is not the published serverSeedHash');

  const salt = expectString(round, 'salt');
  const saltSource = expectString(round, 'saltSource');
  if (UNVERIFIABLE_SALT_SOURCES.has(saltSource)) {
    warnings.push(`salt source "${saltSource}": the server chose the salt, so this round is not provably fair`);
  }
  const roundSeed = roundSeedOf(serverSeed, salt);
  expectEqual('roundSeed', roundSeed, round.roundSeed, 'roundSeed is not HMAC-SHA256(serverSeed, salt)');
  const saltLookup = saltLookupOf(round, salt, saltSource, warnings);

  const path = generateCandlePath(roundSeed, params);
  const candles = round.candles;
  if (!Array.isArray(candles)) mismatch('candles', 'an array', candles, 'candles is missing or not an array');
  path.candles.forEach((expected, index) => {
    const field = `candles[${index}]`;
    const actual: unknown = candles[index];
    if (typeof actual !== 'object' || actual === null) {
      mismatch(field, `candle ${expected.tick}`, actual, `candle ${expected.tick} is missing`);
    }
    const candle = actual as Record<string, unknown>;
    expectEqual(`${field}.tick`, expected.tick, candle.tick, `candle ${index} should be tick ${expected.tick}`);
    for (const price of CANDLE_PRICES) {
      expectEqual(`${field}.${price}`, formatPrice(expected[price]), candle[price], `tick ${expected.tick}: ${price} differs`);
    }
    expectEqual(`${field}.roundId`, roundId, candle.roundId, `tick ${expected.tick} belongs to another round`);
  });
  if (candles.length > path.candles.length) {
    mismatch(`candles[${path.candles.length}]`, undefined, candles[path.candles.length], `the path ends at tick ${path.endTick} but more candles were published`);
  }
  expectEqual('rugTick', path.rugTick, round.rugTick, 'rugTick differs from the recomputed path');
  return { candles: path.candles.length, rugTick: path.rugTick, saltLookup };
}

/** Checks that the published salt reference names the salt, and says what to look up on chain. */
function saltLookupOf(round: Record<string, unknown>, salt: string, saltSource: string, warnings: string[]): SaltLookup | null {
  if (saltSource !== 'evm-block' && saltSource !== 'aptos') {
    if (!UNVERIFIABLE_SALT_SOURCES.has(saltSource)) warnings.push(`salt source "${saltSource}" is unknown to this verifier: the salt was not looked up`);
    return null;
  }
  const reference = round.saltReference;
  if (typeof reference !== 'object' || reference === null || Array.isArray(reference)) {
    mismatch('saltReference', 'where to look the salt up', reference, `a ${saltSource} salt must say where it can be looked up`);
  }
  const ref = reference as Record<string, unknown>;
  expectEqual('saltReference.kind', saltSource, ref.kind, 'the salt reference is of another source');
  const pinned = ref.pinned;
  if (typeof pinned !== 'string' || !DECIMAL.test(pinned)) mismatch('saltReference.pinned', 'a decimal number', pinned, 'the pinned reference is missing');
  const pinnedAt = ref.pinnedAt;
  if (typeof pinnedAt !== 'string' || Number.isNaN(Date.parse(pinnedAt))) mismatch('saltReference.pinnedAt', 'an ISO time', pinnedAt, 'the time the reference was pinned is missing');
  if (saltSource === 'evm-block') {
    const { chainId, blockNumber, blockHash, blockTime } = ref;
    if (!Number.isSafeInteger(chainId) || (chainId as number) <= 0) mismatch('saltReference.chainId', 'a chain id', chainId, 'the salt block has no chain id');
    expectEqual('saltReference.blockNumber', Number(pinned), blockNumber, 'the salt block is not the block pinned when the round was created');
    if (!BLOCK_HASH.test(salt)) mismatch('salt', '0x and 64 lowercase hex digits', salt, 'an evm-block salt is a block hash');
    expectEqual('saltReference.blockHash', salt, blockHash, 'the salt is not the published block hash');
    if (typeof blockTime === 'string' && Date.parse(blockTime) + PINNED_BLOCK_SLACK_MS < Date.parse(pinnedAt)) {
      warnings.push(`block ${pinned} is stamped ${blockTime}, before the round pinned it at ${pinnedAt}: its hash may have been known then`);
    }
    return { kind: 'evm-block', chainId: chainId as number, blockNumber: Number(pinned), salt, pinnedAt };
  }
  const network = expectString(ref, 'aptosNetwork', 'saltReference.aptosNetwork');
  const moduleAddress = expectString(ref, 'moduleAddress', 'saltReference.moduleAddress');
  const txHash = expectString(ref, 'txHash', 'saltReference.txHash');
  if (!isSeedHex(salt)) mismatch('salt', '64 lowercase hex digits', salt, 'an aptos salt is the drawn u256 as 64 lowercase hex digits');
  return { kind: 'aptos', network, moduleAddress, roundId: pinned, txHash, salt };
}
