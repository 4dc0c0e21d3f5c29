
/** The creators' own system accounts, one per creator (and per dividend period for pools). */
export const CreatorAccounts = {
  /** Holds exactly V(supply) − V(1) of the creator's curve. */
  reserve: (creatorId: string): { system: string } => ({ system: `creator-reserve:${creatorId}` }),
  /** The dividend pool of one period, named by the period's start in epoch seconds. */
  dividendPool: (creatorId: string, period: Date): { system: string } => ({ system: `creator-dividends:${creatorId}:${Math.floor(period.getTime() / 1000)}` }),
} as const;
