import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { runsJobs } from '../lifecycle/job-worker';
import { CreateMarketDto } from './market.dto';
import { MarketsService } from './markets.service';

const DAY_MS = 24 * 3600 * 1000;

function demoMarkets(now: number): CreateMarketDto[] {
  return [
    {
      question: 'Will BTC close above $100k on Dec 31?',
      description: 'Resolves Yes if the BTC-USD daily close on December 31 is above 100,000 USD.',
      category: 'crypto',
      outcomes: ['Yes', 'No'],
      closesAt: new Date(now + 30 * DAY_MS).toISOString(),
      subsidy: '500',
      initialProbabilities: ['0.4', '0.6'],
    },
    {
      question: 'Which chain settles the most stablecoin volume next month?',
      description: 'Resolves to the chain with the largest stablecoin transfer volume over the next calendar month.',
      category: 'crypto',
      outcomes: ['Ethereum', 'Base', 'Solana', 'Tron'],
      closesAt: new Date(now + 14 * DAY_MS).toISOString(),
      subsidy: '1000',
    },
    {
      question: 'Will it rain in Lisbon tomorrow?',
      description: 'Resolves Yes if IPMA records any precipitation at Lisbon Geofísico tomorrow.',
      category: 'weather',
      outcomes: ['Yes', 'No'],
      closesAt: new Date(now + DAY_MS).toISOString(),
      subsidy: '100',
    },
  ];
}

/**
 * `npm run demo` and development boots: when SEED_DEMO_MARKETS is on (development default) and there is no
 * market at all, creates a few house-funded demo markets so the API and clients have something to show.
 */
@Injectable()
export class MarketDemoSeeder implements OnApplicationBootstrap {
  private readonly logger = new Logger('MarketDemoSeeder');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly markets: MarketsService,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.seedDemoMarkets || !runsJobs(this.config)) return;
    const [any] = (await this.dataSource.query(`SELECT 1 FROM markets LIMIT 1`)) as unknown[];
    if (any) return;
    for (const market of demoMarkets(Date.now())) await this.markets.create({ house: true, adminId: 'demo-seed' }, market);
    this.logger.log('created demo prediction markets');
  }
}
