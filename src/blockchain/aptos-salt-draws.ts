/**
 * What the rounds' `aptos` salt source needs from the Aptos adapter: the cash_markets module's operator-only
 * `#[randomness]` draw of one u256 per round id, which emits `RoundSaltDrawn {round_id, salt}` and aborts on a
 * second draw for the same id. The adapter provides an implementation under APTOS_SALT_DRAWS in BlockchainModule.
 */
export interface AptosSaltDraw {
  roundId: bigint;
  /** The event's `salt` (a u256) in decimal, exactly as the fullnode's JSON shows it. */
  salt: string;
  /** The hash and ledger version of the transaction that emitted the event. */
  txHash: string;
  version: string;
  /** The transaction's block time: a draw older than the round is not this round's. */
  drawnAt: Date;
}

export interface AptosSaltDraws {
  /** `mainnet`, `testnet`, ... (APTOS_NETWORK), for players to find the transaction. */
  readonly network: string;
  /** The address the module was published at (APTOS_MODULE_ADDRESS): the event's type starts with it. */
  readonly moduleAddress: string;
  /** The committed draw for this round id, or undefined if there is none (yet). */
  find(roundId: bigint): Promise<AptosSaltDraw | undefined>;
  /** Submits the operator's draw and resolves once it committed; rejects if it failed (an existing draw aborts it). */
  draw(roundId: bigint): Promise<AptosSaltDraw>;
}

export const APTOS_SALT_DRAWS = Symbol('APTOS_SALT_DRAWS');
