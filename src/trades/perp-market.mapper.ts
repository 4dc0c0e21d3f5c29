import { formatUsdc } from '../common/money/usdc';
import type { PerpMarketDto } from './perp-market.dto';
import type { PerpMarket } from './perp-markets.service';

export function toPerpMarketDto(market: PerpMarket): PerpMarketDto {
  return {
    symbol: market.symbol,
    maxLeverage: market.maxLeverage,
    takerFeeBps: market.takerFeeBps,
    maintenanceMarginBps: market.maintenanceMarginBps,
    minMargin: formatUsdc(market.minMargin),
    halted: market.halted,
    updatedAt: market.updatedAt.toISOString(),
  };
}
