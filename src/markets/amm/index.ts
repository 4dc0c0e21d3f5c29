/** The pure LMSR market maker: what the markets service calls. No Nest or TypeORM in here. */
export { MAX_UNITS, UNIT_DECIMALS, formatUnits } from './amm-decimal';
export * from './amm-errors';
export * from './fees';
export * from './lmsr';
export * from './pool';
export * from './position';
export { PRICE_SCALE, formatPrices, formatRatio } from './price-format';
export * from './settlement';
