import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
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
  ) {}

  async current(manager: EntityManager = this.dataSource.manager): Promise<RoundSettings> {
    const row = await manager.findOne(RoundSettingsEntity, { where: { id: SETTINGS_ID } });
    return { rules: this.merge(row?.overrides ?? {}), paused: row?.paused ?? false };
  }

  async change(change: RoundRulesChange): Promise<RoundSettings> {
    return this.dataSource.transaction(async (manager) => {
      const row = await this.lockRow(manager);
      const overrides: Record<string, unknown> = { ...row.overrides };
      for (const [key, value] of Object.entries(change)) {
        if (value === null) throw new InvalidField(key, 'must not be null (leave it out instead)');
        if (value !== undefined) overrides[key] = value;
      }
      const rules = this.merge(overrides);
      if (rules.minStake > rules.maxStake) throw new InvalidField('minStake', 'must not be greater than maxStake');
      row.overrides = overrides;
      await manager.save(row);
      return { rules, paused: row.paused };
    });
  }

  async setPaused(paused: boolean): Promise<RoundSettings> {
    return this.dataSource.transaction(async (manager) => {
      const row = await this.lockRow(manager);
      row.paused = paused;
      await manager.save(row);
      return { rules: this.merge(row.overrides), paused };
    });
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
