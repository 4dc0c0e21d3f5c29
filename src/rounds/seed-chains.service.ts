import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { SeedChain } from './fairness/hash-chain';
import { SeedChainEntity } from './seed-chain.entity';

export interface ChainSlot {
  chainId: string;
  /** k: the round plays s[L-k]. */
  chainIndex: number;
  serverSeedHash: string;
}

export interface PublishedChain {
  terminalHash: string;
  chainLength: number;
  roundsUsed: number;
  /** s[L] of the chain that follows the current one, committed before any round uses it. */
  nextTerminalHash: string;
  nextChainLength: number;
}

/**
 * Seed hash chains: the current one (the oldest not used up) and, always committed ahead, the next
 * one, so its terminal hash is public for the whole life of the current chain, long before its
 * first round. Each new round takes the current chain's next index. A chain is rebuilt from s[0]
 * once per process and kept in memory (about 10 ms for L = 10,000).
 */
@Injectable()
export class SeedChainsService {
  private readonly restored = new Map<string, SeedChain>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  /** The chain rounds are drawn from and the one after it, created (and so published) if missing. */
  async published(): Promise<PublishedChain> {
    const [current, next] = await this.dataSource.transaction((manager) => this.committedLocked(manager));
    return {
      terminalHash: current.terminalHash,
      chainLength: current.length,
      roundsUsed: current.roundsUsed,
      nextTerminalHash: next.terminalHash,
      nextChainLength: next.length,
    };
  }

  /** Takes the next index of the current chain (the next chain once it is used up), inside the caller's transaction. */
  async takeNext(manager: EntityManager): Promise<ChainSlot> {
    const [row] = await this.committedLocked(manager);
    const chainIndex = row.roundsUsed + 1;
    await manager.update(SeedChainEntity, { id: row.id }, { roundsUsed: chainIndex });
    return { chainId: row.id, chainIndex, serverSeedHash: this.chainOf(row).serverSeedHashForRound(chainIndex) };
  }

  /** The secret seed of round k of a chain: for the engine (to tick) and for revealing it at the end. */
  async serverSeed(manager: EntityManager, chainId: string, chainIndex: number): Promise<string> {
    const cached = this.restored.get(chainId);
    if (cached) return cached.serverSeedForRound(chainIndex);
    const row = await manager.findOneOrFail(SeedChainEntity, { where: { id: chainId } });
    return this.chainOf(row).serverSeedForRound(chainIndex);
  }

  /**
   * The current chain and the next one, creating chains until both exist. Chains not used up are
   * taken in creation order (id breaks the tie of two created in one transaction), so the chain
   * published as next is the one rounds move on to.
   */
  private async committedLocked(manager: EntityManager): Promise<[SeedChainEntity, SeedChainEntity]> {
    // Serializes chain creation between instances; cheap because a chain lasts L rounds.
    await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended('round_seed_chains', 0))`);
    const unusedInOrder = () =>
      manager
        .createQueryBuilder(SeedChainEntity, 'chain')
        .where('chain.roundsUsed < chain.length')
        .orderBy('chain.createdAt', 'ASC')
        .addOrderBy('chain.id', 'ASC')
        .limit(2)
        .getMany();
    let unused = await unusedInOrder();
    if (unused.length < 2) {
      for (let missing = 2 - unused.length; missing > 0; missing -= 1) await this.create(manager);
      // Read back in the one order every later call uses: chains created together share created_at.
      unused = await unusedInOrder();
    }
    return [unused[0], unused[1]];
  }

  private async create(manager: EntityManager): Promise<SeedChainEntity> {
    const chain = SeedChain.generate(this.config.roundChainLength);
    const record = chain.toRecord();
    const row = await manager.save(
      manager.create(SeedChainEntity, { firstSeed: record.firstSeed, length: record.length, terminalHash: record.terminalHash, roundsUsed: 0 }),
    );
    this.restored.set(row.id, chain);
    return row;
  }

  private chainOf(row: SeedChainEntity): SeedChain {
    let chain = this.restored.get(row.id);
    if (!chain) {
      chain = SeedChain.restore({ firstSeed: row.firstSeed, length: row.length, terminalHash: row.terminalHash });
      this.restored.set(row.id, chain);
    }
    return chain;
  }
}
