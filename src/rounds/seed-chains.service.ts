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
}

/**
 * Seed hash chains: one is current (the newest); each new round takes its next index. The chain is
 * rebuilt from s[0] once per process and kept in memory (about 10 ms for L = 10,000).
 */
@Injectable()
export class SeedChainsService {
  private readonly restored = new Map<string, SeedChain>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  /** The chain rounds are drawn from, created (and so published) if there is none yet. */
  async published(): Promise<PublishedChain> {
    const chain = await this.dataSource.transaction((manager) => this.currentLocked(manager));
    return { terminalHash: chain.terminalHash, chainLength: chain.length, roundsUsed: chain.roundsUsed };
  }

  /** Takes the next index of the current chain (a fresh chain once it is used up), inside the caller's transaction. */
  async takeNext(manager: EntityManager): Promise<ChainSlot> {
    const row = await this.currentLocked(manager);
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

  private async currentLocked(manager: EntityManager): Promise<SeedChainEntity> {
    // Serializes chain creation between instances; cheap because a chain lasts L rounds.
    await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended('round_seed_chains', 0))`);
    const [latest] = await manager.find(SeedChainEntity, { order: { createdAt: 'DESC' }, take: 1 });
    if (latest && latest.roundsUsed < latest.length) return latest;
    const chain = SeedChain.generate(this.config.roundChainLength);
    const record = chain.toRecord();
    const row = await manager.save(manager.create(SeedChainEntity, { firstSeed: record.firstSeed, length: record.length, terminalHash: record.terminalHash, roundsUsed: 0 }));
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
