/**
 * Survival of rounds: the share still running after tick t. Under cm-v1 every candle rugs with probability
 * `rugProbability`, drawn independently per tick (the first draw of the tick), and a round that never rugs ends
 * at `maxTicks`. So P(still running after tick t) = (1 - p)^t for t < maxTicks, and 0 from maxTicks on.
 */

export interface SurvivalPoint {
  tick: number;
  /** Share of the observed rounds still running after this tick; null without observed rounds. */
  empirical: number | null;
  theoretical: number;
  /** Observed rounds still running after this tick. */
  running: number;
}

export function theoreticalSurvival(rugProbability: number, maxTicks: number, tick: number): number {
  if (tick >= maxTicks) return 0;
  if (tick <= 0) return 1;
  return Math.pow(1 - rugProbability, tick);
}

/** The tick by which half the rounds have ended, in theory: the smallest t with (1 - p)^t <= 1/2 (capped at maxTicks). */
export function theoreticalMedianEnd(rugProbability: number, maxTicks: number): number {
  if (rugProbability <= 0) return maxTicks;
  if (rugProbability >= 1) return 1;
  return Math.min(maxTicks, Math.ceil(Math.log(0.5) / Math.log(1 - rugProbability)));
}

/**
 * The empirical curve from how many rounds ended at each tick (`endTick → rounds`), sampled at `ticks`,
 * next to the theoretical one.
 */
export function survivalCurve(endTickCounts: ReadonlyMap<number, number>, rugProbability: number, maxTicks: number, ticks: readonly number[]): SurvivalPoint[] {
  const ends = [...endTickCounts.entries()].sort(([a], [b]) => a - b);
  const total = ends.reduce((sum, [, count]) => sum + count, 0);
  const sampled = [...ticks].sort((a, b) => a - b);
  const points: SurvivalPoint[] = [];
  let ended = 0;
  let next = 0;
  for (const tick of sampled) {
    // Rounds that ended at or before `tick` are no longer running after it.
    while (next < ends.length && ends[next][0] <= tick) ended += ends[next++][1];
    const running = total - ended;
    points.push({ tick, empirical: total === 0 ? null : running / total, theoretical: theoreticalSurvival(rugProbability, maxTicks, tick), running });
  }
  return points;
}

/** Ticks 0, step, 2·step, ... up to and including `last`. */
export function sampleTicks(last: number, step: number): number[] {
  const ticks: number[] = [];
  for (let tick = 0; tick <= last; tick += step) ticks.push(tick);
  if (ticks[ticks.length - 1] !== last) ticks.push(last);
  return ticks;
}
