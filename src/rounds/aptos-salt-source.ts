import type { AptosSaltDraw } from '../blockchain/aptos/aptos-transactions';
import type { SaltDraw, SaltRound, SaltSource } from './salt-source';

/** A draw as the adapter answers it; one that does not say when it drew (no `drawnAt`) is taken at its word. */
export type AptosDrawnSalt = Omit<AptosSaltDraw, 'drawnAt'> & { drawnAt?: Date };

/**
 * What the `aptos` salt source needs of the Aptos adapter (AptosChain): the cash_markets package's operator-only
 * `#[randomness]` draw of one u256 per round id, which emits `RoundSaltDrawn {round_id, salt}` and aborts on a
 * second draw for the same id.
 */
export interface AptosSaltDraws {
  /** APTOS_NETWORK, for players to find the transaction. */
  readonly network: string;
  /** The package address: the event's type starts with it. */
  readonly moduleAddress: string;
  /** The committed draw of this round id, or undefined if there is none yet. */
  find(roundId: bigint): Promise<AptosDrawnSalt | undefined>;
  /** Draws and resolves once committed (answering the earlier draw if there was one); rejects if nothing committed. */
  draw(roundId: bigint): Promise<AptosDrawnSalt>;
}

/** A draw stamped this long before the round was created happened before its commitment (another database's round). */
export const APTOS_DRAW_CLOCK_SLACK_MS = 5000;

/**
 * `aptos`: the salt is the `RoundSaltDrawn` event of the module's randomness draw for this round. The draw's
 * round id (the round's number) is pinned at creation; the module draws once per id, so asking again after a
 * failed start finds the same draw instead of making a new one.
 */
export class AptosSaltSource implements SaltSource {
  readonly name = 'aptos';
  readonly provablyFair = true;

  constructor(
    private readonly draws: AptosSaltDraws,
    private readonly retryInMs: number,
  ) {}

  pin(round: { number: number }): Promise<string> {
    return Promise.resolve(String(round.number));
  }

  async draw(round: SaltRound): Promise<SaltDraw> {
    if (round.saltRef === null || !/^[0-9]{1,20}$/.test(round.saltRef)) {
      return { kind: 'unavailable', reason: `round ${round.number} has no pinned Aptos draw id (saltRef ${String(round.saltRef)})` };
    }
    const roundId = BigInt(round.saltRef);
    let drawn: AptosDrawnSalt;
    try {
      drawn = (await this.draws.find(roundId)) ?? (await this.draws.draw(roundId));
    } catch (error) {
      // A draw that committed although this call failed is found by the next one.
      return { kind: 'waiting', reason: `the Aptos draw of round id ${roundId}: ${(error as Error).message}`, retryInMs: this.retryInMs };
    }
    if (drawn.roundId !== roundId) return { kind: 'unavailable', reason: `the Aptos adapter answered round id ${drawn.roundId} for ${roundId}` };
    // Only when the adapter says when it drew: round ids restart with a new database, a package's draws do not.
    if (drawn.drawnAt && drawn.drawnAt.getTime() + APTOS_DRAW_CLOCK_SLACK_MS < round.createdAt.getTime()) {
      return { kind: 'unavailable', reason: `round id ${roundId} was drawn on Aptos at ${drawn.drawnAt.toISOString()}, before round ${round.number} existed` };
    }
    return {
      kind: 'drawn',
      salt: drawn.salt,
      source: this.name,
      proof: {
        kind: 'aptos',
        network: this.draws.network,
        moduleAddress: this.draws.moduleAddress,
        roundId: String(roundId),
        txHash: drawn.txHash,
        version: String(drawn.version),
        ...(drawn.drawnAt ? { drawnAt: drawn.drawnAt.toISOString() } : {}),
      },
    };
  }
}
