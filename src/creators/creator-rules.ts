import type { AppConfig } from '../config/app-config';
import type { Movement } from '../accounts/ledger.service';
import { formatUsdc } from '../common/money/usdc';
import { CurveRules, nextSharePrice, ShareQuote } from './creator-curve';
import type { ShareQuoteDto } from './creator.dto';

/** The curve's rules from the configuration. */
export function curveRulesOf(config: AppConfig): CurveRules {
  const settings = config.creators;
  return {
    divisor: BigInt(settings.curveDivisor),
    creatorFeeBps: BigInt(settings.shareFeeBps),
    platformFeeBps: BigInt(settings.platformShareFeeBps),
    dividendShareBps: BigInt(settings.dividendShareBps),
  };
}

export function quoteDto(quote: ShareQuote, divisor: bigint): ShareQuoteDto {
  return {
    side: quote.side,
    shares: Number(quote.shares),
    supplyBefore: Number(quote.supplyBefore),
    supplyAfter: Number(quote.supplyAfter),
    value: formatUsdc(quote.value),
    creatorFee: formatUsdc(quote.creatorFee),
    platformFee: formatUsdc(quote.platformFee),
    fee: formatUsdc(quote.creatorFee + quote.platformFee),
    dividendFee: formatUsdc(quote.dividendFee),
    total: formatUsdc(quote.total),
    averagePrice: formatUsdc(quote.value / quote.shares),
    priceAfter: formatUsdc(nextSharePrice(quote.supplyAfter, divisor)),
  };
}

/** One movement per account and bucket (a creator buying their own shares pays and earns in one line), zeros dropped. */
export function netMovements(movements: Movement[]): Movement[] {
  const byKey = new Map<string, Movement>();
  for (const movement of movements) {
    const key = `${'userId' in movement.account ? `user:${movement.account.userId}` : `system:${movement.account.system}`}/${movement.bucket}`;
    const existing = byKey.get(key);
    if (existing) existing.amount += movement.amount;
    else byKey.set(key, { ...movement });
  }
  return [...byKey.values()].filter((movement) => movement.amount !== 0n);
}
