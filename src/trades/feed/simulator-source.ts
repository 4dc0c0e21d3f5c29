import { PriceSimulator, SimulatorOptions } from './price-simulator';
import type { PriceQuote } from './price-quote';
import type { QuoteSource } from './quote-source';

/** The simulator as a quote source: one step of every symbol each `intervalMs`. */
export class SimulatorSource implements QuoteSource {
  private timer: NodeJS.Timeout | null = null;
  private readonly simulator: PriceSimulator;

  constructor(
    symbols: readonly string[],
    private readonly options: SimulatorOptions,
  ) {
    this.simulator = new PriceSimulator(symbols, options);
  }

  start(onQuote: (quote: PriceQuote) => void): void {
    if (this.timer) return;
    const step = () => {
      for (const quote of this.simulator.step(Date.now())) onQuote(quote);
    };
    step();
    this.timer = setInterval(step, this.options.intervalMs);
  }

  stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    return Promise.resolve();
  }
}
