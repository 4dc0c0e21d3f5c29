export type RateDecision = 'allow' | 'drop' | 'warn' | 'disconnect';

/**
 * Per-socket limit on client events: at most `perSecond` events in each one-second window.
 * The first event over the limit in a window is a strike (`warn`: tell the client once);
 * later ones in the same window are dropped silently. `strikes` strikes within `strikeMemoryMs`
 * mean the client is abusive (`disconnect`). Pure, clock passed in, so it is unit-tested.
 */
export class ClientEventRateLimiter {
  private windowStartedAt = -Infinity;
  private eventsInWindow = 0;
  private struckThisWindow = false;
  private strikeTimes: number[] = [];

  constructor(
    private readonly perSecond: number,
    private readonly strikes: number,
    private readonly strikeMemoryMs = 60_000,
  ) {}

  hit(now: number): RateDecision {
    if (now - this.windowStartedAt >= 1000) {
      this.windowStartedAt = now;
      this.eventsInWindow = 0;
      this.struckThisWindow = false;
    }
    this.eventsInWindow += 1;
    if (this.eventsInWindow <= this.perSecond) return 'allow';
    if (this.struckThisWindow) return 'drop';
    this.struckThisWindow = true;
    this.strikeTimes = this.strikeTimes.filter((at) => now - at < this.strikeMemoryMs);
    this.strikeTimes.push(now);
    return this.strikeTimes.length >= this.strikes ? 'disconnect' : 'warn';
  }
}
