import type { AptosSaltDraw, AptosSaltDraws } from '../blockchain/aptos-salt-draws';
import type { SaltDraw, SaltRound, SaltSource } from './salt-source';

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
    let drawn: AptosSaltDraw;
    try {
      drawn = (await this.draws.find(roundId)) ?? (await this.draws.draw(roundId));
    } catch (error) {
      // A draw that committed although this call failed is found by the next one.
      return { kind: 'waiting', reason: `the Aptos draw of round id ${roundId}: ${(error as Error).message}`, retryInMs: this.retryInMs };
    }
    if (drawn.roundId !== roundId) return { kind: 'unavailable', reason: `the Aptos adapter answered round id ${drawn.roundId} for ${roundId}` };
    if (drawn.drawnAt.getTime() + APTOS_DRAW_CLOCK_SLACK_MS < round.createdAt.getTime()) {
      return { kind: 'unavailable', reason: `round id ${roundId} was drawn on Aptos at ${drawn.drawnAt.toISOString()}, before round ${round.number} existed` };
    }
    return {
      kind: 'drawn',
      salt: drawn.salt,
      source: this.name,
      proof: { kind: 'aptos', network: this.draws.network, moduleAddress: this.draws.moduleAddress, roundId: String(roundId), txHash: drawn.txHash, version: drawn.version },
    };
  }
}
