import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { formatUsdc } from '../common/money/usdc';
import { VenueMetrics } from '../health/venue-metrics';

/** Perps' share of `venue_open_interest_usdc`: the notional of every open position, read at scrape (cached by VenueMetrics). */
@Injectable()
export class PerpOpenInterest implements OnModuleInit {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly venues: VenueMetrics,
  ) {}

  onModuleInit(): void {
    this.venues.reportOpenInterest(async () => {
      const rows = (await this.dataSource.query(`SELECT COALESCE(sum(notional), 0)::text AS total FROM perp_positions WHERE status = 'open'`)) as { total: string }[];
      return [{ venue: 'perps', asset: 'USDC', value: Number(formatUsdc(BigInt(rows[0].total))) }];
    });
  }
}
