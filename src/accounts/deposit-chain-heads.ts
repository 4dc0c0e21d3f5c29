import { Injectable, Logger } from '@nestjs/common';
import type { DepositChain } from './deposit-postings';

/** Where a chain is now, for "confirmations so far". */
export interface ChainHead extends DepositChain {
  head: bigint;
  requiredConfirmations: number;
}

/** A head older than this is read again before a list answers. */
const HEAD_TTL_MS = 1000;

const keyOf = (chain: { chain: string; chainId: string }) => `${chain.chain}:${chain.chainId}`;

/**
 * The heads of the chains this process follows, registered by the chain adapters (accounts cannot import them:
 * they depend on accounts). A list reads them at most once a second; events use the last one read.
 */
@Injectable()
export class DepositChainHeads {
  private readonly logger = new Logger(DepositChainHeads.name);
  private readonly sources = new Map<string, { read: () => Promise<ChainHead | undefined>; last?: ChainHead; readAt: number }>();

  register(chain: { chain: string; chainId: string }, read: () => Promise<ChainHead | undefined>): void {
    this.sources.set(keyOf(chain), { read, readAt: 0 });
  }

  /** The watcher tells what it just read, so events carry a current count without another RPC. */
  note(head: ChainHead): void {
    const source = this.sources.get(keyOf(head));
    if (source) Object.assign(source, { last: head, readAt: Date.now() });
  }

  async current(): Promise<void> {
    const now = Date.now();
    await Promise.all(
      [...this.sources.values()]
        .filter((source) => now - source.readAt >= HEAD_TTL_MS)
        .map(async (source) => {
          try {
            source.last = await source.read();
            source.readAt = Date.now();
          } catch (error) {
            this.logger.warn(`could not read a chain head: ${(error as Error).message}`);
          }
        }),
    );
  }

  /** The last head read of this deposit's chain history, if this process follows it. */
  of(chain: DepositChain): ChainHead | undefined {
    const head = this.sources.get(keyOf(chain))?.last;
    return head && head.chainEpoch === chain.chainEpoch ? head : undefined;
  }
}
