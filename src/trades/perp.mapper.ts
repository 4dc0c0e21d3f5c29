import { formatUsdc } from '../common/money/usdc';
import { exitPriceOf, pnlAt } from './core/perp-math';
import { formatPrice, midPrice } from './core/price';
import type { FillDto, OrderDto, PositionDto } from './trades.dto';
import type { PerpFillEntity } from './perp-fill.entity';
import type { PerpOrderEntity } from './perp-order.entity';
import type { PerpPositionEntity } from './perp-position.entity';

const usdcOrNull = (value: bigint | null) => (value === null ? null : formatUsdc(value));
const priceOrNull = (value: bigint | null) => (value === null ? null : formatPrice(value));

/** The top of book a read is marked against (price units), or null without a quote. */
export interface MarkQuote {
  bid: bigint;
  ask: bigint;
}

/**
 * An open position is marked at the symbol's mark price, the mid (as GET /perps and the exposure show it); its
 * unrealized P&L is what closing now would realise, at its exit side (the bid for a long, the ask for a short).
 */
export function toPositionDto(position: PerpPositionEntity, quote: MarkQuote | null = null): PositionDto {
  const marked = position.status === 'open' && quote !== null;
  const markPrice = marked ? midPrice(quote.bid, quote.ask) : null;
  const exitPrice = marked ? exitPriceOf(position.side, quote.bid, quote.ask) : null;
  return {
    id: position.id,
    symbol: position.symbol,
    side: position.side,
    status: position.status,
    margin: formatUsdc(position.margin),
    leverage: position.leverage,
    notional: formatUsdc(position.notional),
    entryPrice: formatPrice(position.entryPrice),
    liquidationPrice: formatPrice(position.liquidationPrice),
    stopLoss: priceOrNull(position.stopLoss),
    takeProfit: priceOrNull(position.takeProfit),
    openFee: formatUsdc(position.openFee),
    closeFee: usdcOrNull(position.closeFee),
    markPrice: priceOrNull(markPrice),
    unrealizedPnl: exitPrice === null ? null : formatUsdc(pnlAt(position.side, position.notional, position.entryPrice, exitPrice)),
    exitPrice: priceOrNull(position.exitPrice),
    realizedPnl: usdcOrNull(position.realizedPnl),
    payout: usdcOrNull(position.payout),
    closeReason: position.closeReason,
    liquidationGap: priceOrNull(position.liquidationGap),
    openedAt: position.openedAt.toISOString(),
    closedAt: position.closedAt?.toISOString() ?? null,
  };
}

export function toOrderDto(order: PerpOrderEntity): OrderDto {
  return {
    id: order.id,
    symbol: order.symbol,
    side: order.side,
    type: order.type,
    price: formatPrice(order.price),
    margin: formatUsdc(order.margin),
    leverage: order.leverage,
    stopLoss: priceOrNull(order.stopLoss),
    takeProfit: priceOrNull(order.takeProfit),
    status: order.status,
    positionId: order.positionId,
    expiresAt: order.expiresAt?.toISOString() ?? null,
    createdAt: order.createdAt.toISOString(),
  };
}

export function toFillDto(fill: PerpFillEntity): FillDto {
  return {
    id: fill.id,
    kind: fill.kind,
    reason: fill.reason,
    price: formatPrice(fill.price),
    referencePrice: priceOrNull(fill.referencePrice),
    slippage: formatPrice(fill.slippage),
    fee: formatUsdc(fill.fee),
    createdAt: fill.createdAt.toISOString(),
  };
}
