import type { SaltDraw, SaltRound, SaltSource } from './salt-source';

/** The two raw reads the source needs from an EVM node (EvmChain provides them). */
export interface EvmBlocks {
  blockNumber(): Promise<number>;
  block(number: number): Promise<{ number: number; hash: string; timestamp: number } | undefined>;
}

export interface EvmBlockSaltOptions {
  chainId: number;
  /** The pinned block is the head at creation plus this (≥ 1): a block nobody has seen yet. */
  blockDelay: number;
  /** Blocks mined on top of the pinned one before its hash is taken, so a shallow reorg cannot change it. */
  confirmations: number;
  pollMs: number;
  /** Dev chain without interval mining: mines the blocks the round waits for. */
  mine?: (blocks: number) => Promise<void>;
}

/**
 * Block timestamps are whole seconds set by the block producer; a block stamped this much before the round's
 * creation was already mined when the round pinned it (a lagging RPC node answered an old head).
 */
export const PINNED_BLOCK_CLOCK_SLACK_S = 5;

export function parseBlockRef(saltRef: string | null): number | undefined {
  if (saltRef === null || !/^[0-9]{1,15}$/.test(saltRef)) return undefined;
  return Number(saltRef);
}

/**
 * `evm-block`: the salt is the hash (0x-prefixed lowercase hex, as the node returns it) of a block whose number
 * is fixed in the PENDING round, ahead of the chain's head. The round starts once that block has
 * `confirmations` blocks on top of it.
 */
export class EvmBlockSaltSource implements SaltSource {
  readonly name = 'evm-block';
  readonly provablyFair = true;

  constructor(
    private readonly chain: EvmBlocks,
    private readonly options: EvmBlockSaltOptions,
  ) {
    if (options.blockDelay < 1) throw new Error('the salt block must be at least one block ahead of the head');
  }

  async pin(): Promise<string> {
    return String((await this.chain.blockNumber()) + this.options.blockDelay);
  }

  async draw(round: SaltRound): Promise<SaltDraw> {
    const target = parseBlockRef(round.saltRef);
    if (target === undefined) return { kind: 'unavailable', reason: `round ${round.number} has no pinned salt block (saltRef ${String(round.saltRef)})` };
    const confirmed = target + this.options.confirmations;
    let block: Awaited<ReturnType<EvmBlocks['block']>>;
    try {
      const head = await this.chain.blockNumber();
      if (head < confirmed) {
        await this.options.mine?.(confirmed - head);
        return { kind: 'waiting', reason: `block ${target} with ${this.options.confirmations} confirmations (head ${head})`, retryInMs: this.options.pollMs };
      }
      block = await this.chain.block(target);
    } catch (error) {
      return { kind: 'waiting', reason: `the EVM node: ${(error as Error).message}`, retryInMs: this.options.pollMs };
    }
    if (!block) return { kind: 'unavailable', reason: `the node is past block ${target} but does not return it` };
    if (block.timestamp + PINNED_BLOCK_CLOCK_SLACK_S < Math.floor(round.createdAt.getTime() / 1000)) {
      return { kind: 'unavailable', reason: `block ${target} (${new Date(block.timestamp * 1000).toISOString()}) was mined before round ${round.number} pinned it` };
    }
    const blockHash = block.hash.toLowerCase();
    return {
      kind: 'drawn',
      salt: blockHash,
      source: this.name,
      proof: { kind: 'evm-block', chainId: this.options.chainId, blockNumber: target, blockHash, blockTimestamp: block.timestamp },
    };
  }
}
