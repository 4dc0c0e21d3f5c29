import type { AccountRef } from '../accounts/ledger.service';

/** The creators' own system accounts, one per creator (and per dividend period for pools). */
export const CreatorAccounts = {
  /** Holds exactly V(supply) − V(1) of the creator's curve. */
  reserve: (creatorId: string): AccountRef => ({ system: `creator-reserve:${creatorId}` }),
  /** The dividend pool of one period, named by the period's start in epoch seconds. */
  dividendPool: (creatorId: string, period: Date): AccountRef => ({ system: `creator-dividends:${creatorId}:${Math.floor(period.getTime() / 1000)}` }),
} as const;
