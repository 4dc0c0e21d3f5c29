import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { CommittedSeedChain, RecordedRoundSeed, RevealedRoundSeed, SeedCommitmentSource } from '../blockchain/seed-commitments/seed-commitment-source';
import { SeedCommitmentsRecorder } from '../blockchain/seed-commitments/seed-commitments.recorder';
import { RoundsService } from './rounds.service';

/** Tells the blockchain module's SeedCommitments recorder which seed chains exist and which round seeds are revealed. */
@Injectable()
export class SeedCommitmentFeed implements SeedCommitmentSource, OnModuleInit {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly recorder: SeedCommitmentsRecorder,
    private readonly rounds: RoundsService,
  ) {}

  onModuleInit(): void {
    this.recorder.useSource(this);
  }

  async seedChains(): Promise<CommittedSeedChain[]> {
    const rows = (await this.dataSource.query(`SELECT id, terminal_hash, length FROM round_seed_chains ORDER BY created_at, id`)) as {
      id: string;
      terminal_hash: string;
      length: number;
    }[];
    return rows.map((row) => ({ id: row.id, terminalHash: row.terminal_hash, length: row.length }));
  }

  async revealedAfter(roundNumber: number, limit: number): Promise<RevealedRoundSeed[]> {
    const rows = (await this.dataSource.query(
      `SELECT id, number, chain_id, server_seed FROM rounds WHERE server_seed IS NOT NULL AND number > $1 ORDER BY number LIMIT $2`,
      [roundNumber, limit],
    )) as { id: string; number: number; chain_id: string; server_seed: string }[];
    return rows.map((row) => ({ roundId: row.id, number: row.number, seedChainId: row.chain_id, serverSeed: row.server_seed }));
  }

  /** The recorder's transaction: the rounds keep the SeedCommitments transaction that recorded their seeds. */
  async seedsRecorded(manager: EntityManager, recorded: RecordedRoundSeed[]): Promise<void> {
    await this.rounds.recordSeedReveals(manager, recorded);
  }
}
