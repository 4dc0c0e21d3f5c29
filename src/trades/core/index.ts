/** The perps pure core: prices, P&L, fees, liquidation, triggers and the per-symbol trigger index. No framework imports. */
export * from './price';
export * from './perp-math';
export * from './trigger-index';
