import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { AdminActor } from '../admin/admin-actor';
import { AuditService } from '../admin/audit.service';
import { AppConfig } from '../config/app-config';
import { InvalidField } from '../common/errors/domain-error';
import { parseUsdc } from '../common/money/usdc';
import { parseMultiplier } from './fairness/payouts';
import { RoundSettingsEntity } from './round-settings.entity';

const SETTINGS_ID = 'rounds';

/** The rules a new round is created with (amounts in USDC minor units). */
export interface RoundRules {
  tickMs: number;
  feeBps: number;
  minStake: bigint;
  maxStake: bigint;
  sideBetWindow: number;
  sideBetMultiplier: string;
  maxTicks: number;
}

/** What an admin may change; amounts as decimal strings. Every key is optional. */
export interface RoundRulesChange {
  tickMs?: number;
  feeBps?: number;
  minStake?: string;
  maxStake?: string;
  sideBetWindow?: number;
  sideBetMultiplier?: string;
  maxTicks?: number;
}

export interface RoundSettings {
  rules: RoundRules;
  paused: boolean;
}

/**
 * Rules for future rounds: the environment's values unless an admin changed them (kept in one
 * row so every instance and the next leader agree), plus the pause switch.
 */
@Injectable()
export class RoundSettingsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
  ) {}

  async current(manager: EntityManager = this.dataSource.manager): Promise<RoundSettings> {
    const row = await manager.findOne(RoundSettingsEntity, { where: { id: SETTINGS_ID } });
    return { rules: this.merge(row?.overrides ?? {}), paused: row?.paused ?? false };
  }

  /** With an actor, the change is audited in its transaction: the settings as locked, and as saved. */
  async change(change: RoundRulesChange, actor?: AdminActor): Promise<RoundSettings> {
    return this.dataSource.transaction(async (manager) => {
      const row = await this.lockRow(manager);
      const before = this.snapshotOf(row);
      const overrides: Record<string, unknown> = { ...row.overrides };
      for (const [key, value] of Object.entries(change)) {
        if (value === null) throw new InvalidField(key, 'must not be null (leave it out instead)');
        if (value !== undefined) overrides[key] = value;
      }
      const rules = this.merge(overrides);
      if (rules.minStake > rules.maxStake) throw new InvalidField('minStake', 'must not be greater than maxStake');
      row.overrides = overrides;
      await manager.save(row);
      if (actor) await this.audit.record(manager, actor, { action: 'rounds.config', targetType: 'round_settings', targetId: SETTINGS_ID, before, after: this.snapshotOf(row) });
      return { rules, paused: row.paused };
    });
  }

  async setPaused(paused: boolean, actor?: AdminActor): Promise<RoundSettings> {
    return this.dataSource.transaction(async (manager) => {
      const row = await this.lockRow(manager);
      const before = this.snapshotOf(row);
      row.paused = paused;
      await manager.save(row);
      if (actor) await this.audit.record(manager, actor, { action: paused ? 'rounds.pause' : 'rounds.resume', targetType: 'round_settings', targetId: SETTINGS_ID, before, after: this.snapshotOf(row) });
      return { rules: this.merge(row.overrides), paused };
    });
  }

  /**
   * The row as the audit trail keeps it (the admin's overrides and the switch, copied before they change). Not the
   * merged rules: an override stored before validation tightened would make the merge throw and block its repair.
   */
  private snapshotOf(row: RoundSettingsEntity): { overrides: Record<string, unknown>; paused: boolean } {
    return { overrides: { ...row.overrides }, paused: row.paused };
  }

  private async lockRow(manager: EntityManager): Promise<RoundSettingsEntity> {
    await manager.query(`INSERT INTO round_settings (id) VALUES ($1) ON CONFLICT (id) DO NOTHING`, [SETTINGS_ID]);
    return manager.findOneOrFail(RoundSettingsEntity, { where: { id: SETTINGS_ID }, lock: { mode: 'pessimistic_write' } });
  }

  private merge(overrides: Record<string, unknown>): RoundRules {
    // A null saved before nulls were refused means "not overridden", so such a row cannot stop the engine.
    const pick = <T>(key: keyof RoundRulesChange, fallback: T): T => (overrides[key] == null ? fallback : (overrides[key] as T));
    const amount = (key: 'minStake' | 'maxStake', fallback: string) => parseUsdc(pick(key, fallback), key);
    const multiplier = pick('sideBetMultiplier', this.config.roundSideBetMultiplier);
    try {
      parseMultiplier(multiplier);
    } catch (error) {
      throw new InvalidField('sideBetMultiplier', (error as Error).message.replace(/^multiplier /, ''));
    }
    return {
      tickMs: pick('tickMs', this.config.roundTickMs),
      feeBps: pick('feeBps', this.config.roundFeeBps),
      minStake: amount('minStake', this.config.roundMinStake),
      maxStake: amount('maxStake', this.config.roundMaxStake),
      sideBetWindow: pick('sideBetWindow', this.config.roundSideBetWindow),
      sideBetMultiplier: multiplier,
      maxTicks: pick('maxTicks', this.config.roundMaxTicks),
    };
  }
}
