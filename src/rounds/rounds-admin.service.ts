import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { AdminActor } from '../admin/admin-actor';
import { Page, PageQueryDto, offsetOf, toPage } from '../common/http/pagination';
import { formatUsdc } from '../common/money/usdc';
import { RoundSettings, RoundSettingsService } from './round-settings.service';
import type { RoundConfigDto, RoundSettingsDto, RoundStatsDto } from './rounds.dto';

interface StatsRow {
  id: string;
  number: number;
  status: string;
  positions: string;
  side_bets: string;
  position_volume: string;
  side_bet_volume: string;
  fees: string;
  position_payouts: string;
  side_bet_payouts: string;
}

@Injectable()
export class RoundsAdminService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly settings: RoundSettingsService,
  ) {}

  async settingsView(): Promise<RoundSettingsDto> {
    return toSettingsDto(await this.settings.current());
  }

  async configure(body: RoundConfigDto, actor?: AdminActor): Promise<RoundSettingsDto> {
    return toSettingsDto(await this.settings.change(body, actor));
  }

  /** Pausing lets the current round finish; no new round is created until resumed. */
  async setPaused(paused: boolean, actor?: AdminActor): Promise<RoundSettingsDto> {
    return toSettingsDto(await this.settings.setPaused(paused, actor));
  }

  /** Per round, newest first: volume, fees, what went back to players and the house result (stakes − payouts). */
  async stats(query: PageQueryDto): Promise<Page<RoundStatsDto>> {
    const [{ total }] = (await this.dataSource.query(`SELECT count(*)::int AS total FROM rounds`)) as { total: number }[];
    const rows = (await this.dataSource.query(
      `SELECT r.id, r.number, r.status,
              COALESCE(p.count, 0) AS positions, COALESCE(b.count, 0) AS side_bets,
              COALESCE(p.volume, 0)::text AS position_volume, COALESCE(b.volume, 0)::text AS side_bet_volume,
              COALESCE(p.fees, 0)::text AS fees,
              COALESCE(p.payouts, 0)::text AS position_payouts, COALESCE(b.payouts, 0)::text AS side_bet_payouts
         FROM rounds r
         LEFT JOIN LATERAL (SELECT count(*) AS count, sum(amount) AS volume, sum(fee) AS fees, sum(payout) AS payouts
                              FROM round_positions WHERE round_id = r.id) p ON true
         LEFT JOIN LATERAL (SELECT count(*) AS count, sum(amount) AS volume, sum(payout) FILTER (WHERE paid_at IS NOT NULL) AS payouts
                              FROM round_side_bets WHERE round_id = r.id) b ON true
        ORDER BY r.number DESC OFFSET $1 LIMIT $2`,
      [offsetOf(query), query.limit],
    )) as StatsRow[];
    return toPage(
      rows.map((row) => {
        const fees = BigInt(row.fees);
        const volume = BigInt(row.position_volume) + BigInt(row.side_bet_volume);
        const payouts = BigInt(row.position_payouts) + BigInt(row.side_bet_payouts);
        // Refunded fees of a voided round came back out of fees, so they count as payouts, not as the house's.
        return {
          roundId: row.id,
          number: row.number,
          status: row.status,
          positions: Number(row.positions),
          sideBets: Number(row.side_bets),
          volume: formatUsdc(volume),
          fees: formatUsdc(row.status === 'VOIDED' ? 0n : fees),
          payouts: formatUsdc(payouts),
          houseResult: formatUsdc(volume - fees - payouts + (row.status === 'VOIDED' ? fees : 0n)),
        };
      }),
      total,
      query,
    );
  }
}

function toSettingsDto(settings: RoundSettings): RoundSettingsDto {
  const { rules, paused } = settings;
  return {
    tickMs: rules.tickMs,
    feeBps: rules.feeBps,
    minStake: formatUsdc(rules.minStake),
    maxStake: formatUsdc(rules.maxStake),
    sideBetWindow: rules.sideBetWindow,
    sideBetMultiplier: rules.sideBetMultiplier,
    maxTicks: rules.maxTicks,
    paused,
  };
}
