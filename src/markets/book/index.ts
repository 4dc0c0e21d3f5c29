/** The pure order book: what the markets service and the engine call. No Nest or TypeORM in here. */
export * from './book-errors';
export * from './book-types';
export { LinearPool } from './linear-pool';
export { MAX_ORDER_UNITS, OrderBook } from './order-book';
export type { OutcomePool } from './outcome-pool';
export { LmsrMarketPool } from './lmsr-pool';
