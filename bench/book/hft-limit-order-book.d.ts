// hft-limit-order-book 7.0.2 ships its declarations under a name its package.json does not point at
// ("types": "dist/types/index.d.js"), so TypeScript finds none. The part of its API the benchmark uses:
declare module 'hft-limit-order-book' {
  export enum Side {
    BUY = 'buy',
    SELL = 'sell',
  }
  export interface ProcessOrderResult {
    done: unknown[];
    partial: unknown;
    err: unknown;
  }
  export class OrderBook {
    limit(options: { id: string; side: Side; size: number; price: number; timeInForce?: 'GTC' | 'IOC' | 'FOK'; postOnly?: boolean }): ProcessOrderResult;
    modify(id: string, update: { price?: number; size?: number }): ProcessOrderResult;
    cancel(id: string): unknown;
    depth(): [[number, number][], [number, number][]];
  }
}
