/** Every tag the API's operations use, with what it groups; the OpenAPI test fails on a tag missing here. */
export const API_TAGS: readonly { name: string; description: string }[] = [
  { name: 'auth', description: 'Sign in with an Ethereum (SIWE) or Aptos wallet or an email link; refresh, log out, list and end sessions' },
  { name: 'me', description: 'The signed-in user: profile, and linking another wallet or email to sign in with' },
  { name: 'accounts', description: 'Balances, the caller’s ledger entries and withdrawals (amounts are decimal strings)' },
  { name: 'markets', description: 'Prediction markets on an LMSR market maker: browse, quote, buy and sell outcome shares, positions' },
  { name: 'creators', description: 'Creator shares on a bonding curve: browse, quote, buy and sell whole shares, holders, your lots, dividends' },
  { name: 'notifications', description: 'What happened to your money: resolved markets, dividends, closed positions, withdrawals, rounds, announcements; read state and email settings' },
  { name: 'perps', description: 'Live markets (perpetuals): candles of mid prices and the 24 h ticker of each symbol, from the price feed' },
  { name: 'rounds', description: 'Provably fair candle rounds: the live round, history, verification, positions and side bets, statistics, survival curve and tick timing' },
  { name: 'stats', description: 'Player statistics per venue and overall (yours, and public profiles), and your profile’s display name and visibility' },
  { name: 'leaderboards', description: 'Top players by P&L or volume, per venue or overall, for the day, the week or all time, with your own rank' },
  { name: 'strategies', description: 'Round strategies: a declarative rules document (JSON Schema published), exact backtests over revealed rounds, and the server playing them live' },
  { name: 'chains', description: 'On-chain money: the configured chains with their vault, token and seed-commitment addresses and confirmations' },
  { name: 'admin', description: 'Operators only (role admin): users, ledger adjustments and checks, markets, rounds, realtime notices; role support may read the audit trail and the reconciliation report' },
  { name: 'health', description: 'Liveness, readiness and Prometheus metrics for probes and scrapers (no /api/v1 prefix, never rate limited)' },
];
