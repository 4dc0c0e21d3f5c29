import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { MinorUnitsColumn } from '../database/minor-units.column';

/**
 * What a running strategy did in one round, recorded once when the round ended (unique per strategy and
 * round: a runner that sees the end twice, after a restart or a takeover, records and counts it once).
 */
@Entity('strategy_rounds')
export class StrategyRoundEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'uuid' })
  strategyId!: string;

  @Column({ type: 'uuid' })
  sessionId!: string;

  @Column({ type: 'uuid' })
  roundId!: string;

  @Column({ type: 'integer' })
  roundNumber!: number;

  /** Payouts minus amounts paid (fees included), USDC minor units. */
  @MinorUnitsColumn()
  pnl!: bigint;

  @MinorUnitsColumn()
  wagered!: bigint;

  @MinorUnitsColumn()
  fees!: bigint;

  @Column({ type: 'integer' })
  trades!: number;

  @MinorUnitsColumn()
  balanceAfter!: bigint;

  /** Actions the venue refused (funds, limits, a round that moved on): the live run then differs from a replay. */
  @Column({ type: 'integer', default: 0 })
  declined!: number;

  /** Stakes the venue filled at a later tick than the one their rule fired on (the runner fell behind the engine): a replay fills them at the rule's tick. */
  @Column({ type: 'integer', default: 0 })
  slipped!: number;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
