import { Clock } from '../../src/blockchain/evm/clock';

/** A Clock that stands still where a test puts it (or runs with the wall clock until then). */
export class ManualClock extends Clock {
  private frozenAt: number | undefined;

  override now(): number {
    return this.frozenAt ?? Date.now();
  }

  /** Stops the clock at `ms` (default: now). */
  freeze(ms = Date.now()): void {
    this.frozenAt = ms;
  }

  set(ms: number): void {
    this.frozenAt = ms;
  }
}
