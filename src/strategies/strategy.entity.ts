import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { StrategyLimitsDocument, StrategyRulesDocument } from './core/strategy-rules';

export const STRATEGY_STATUSES = ['stopped', 'running'] as const;
export type StrategyStatus = (typeof STRATEGY_STATUSES)[number];

/** The session's running totals as stored: `SessionState` with its bigints as decimal strings of minor units. */
export type StoredSession = Record<string, string | number | null>;

@Entity('strategies')
export class StrategyEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'uuid' })
  userId!: string;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ type: 'varchar', length: 16 })
  venue!: 'rounds';

  /** The document as the user wrote it (validated by STRATEGY_SCHEMA before it is stored). */
  @Column({ type: 'jsonb' })
  rules!: StrategyRulesDocument;

  @Column({ type: 'jsonb' })
  limits!: StrategyLimitsDocument;

  @Column({ type: 'varchar', length: 16 })
  status!: StrategyStatus;

  /** The current (running) or last session: a start opens a new one. */
  @Column({ type: 'uuid', nullable: true })
  sessionId!: string | null;

  /** The first round the session plays: the next one to start after `start`. */
  @Column({ type: 'integer', nullable: true })
  sessionFromRound!: number | null;

  @Column({ type: 'jsonb', nullable: true })
  session!: StoredSession | null;

  /** Why the last session ended: a limit (`loss-limit`, `win-limit`, `max-rounds`), `stopped` by the user, or a refused stake. */
  @Column({ type: 'varchar', length: 32, nullable: true })
  stopReason!: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  startedAt!: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  stoppedAt!: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
