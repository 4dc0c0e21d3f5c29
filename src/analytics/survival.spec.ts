import { sampleTicks, survivalCurve, theoreticalMedianEnd, theoreticalSurvival } from './survival';

describe('survival curve', () => {
  it('theory: (1 - p)^t before maxTicks, 1 at the start, 0 from maxTicks on', () => {
    expect(theoreticalSurvival(0.005, 5000, 0)).toBe(1);
    expect(theoreticalSurvival(0.005, 5000, 100)).toBeCloseTo(Math.pow(0.995, 100), 12);
    expect(theoreticalSurvival(0.005, 5000, 4999)).toBeGreaterThan(0);
    expect(theoreticalSurvival(0.005, 5000, 5000)).toBe(0);
    expect(theoreticalSurvival(0, 10, 9)).toBe(1);
    expect(theoreticalSurvival(1, 10, 1)).toBe(0);
  });

  it('theoretical median: the first tick with (1 - p)^t <= 1/2, capped at maxTicks', () => {
    expect(theoreticalMedianEnd(0.005, 5000)).toBe(139); // 0.995^138 = 0.5007, 0.995^139 = 0.4982
    expect(Math.pow(0.995, 138)).toBeGreaterThan(0.5);
    expect(Math.pow(0.995, 139)).toBeLessThanOrEqual(0.5);
    expect(theoreticalMedianEnd(0.005, 50)).toBe(50);
    expect(theoreticalMedianEnd(0, 50)).toBe(50);
    expect(theoreticalMedianEnd(1, 50)).toBe(1);
  });

  it('empirical: the share of rounds still running after each tick (a round ending at t is not running after t)', () => {
    // Rounds ended at ticks 1, 3, 3, 10 (10 = maxTicks: survived).
    const ends = new Map([
      [1, 1],
      [3, 2],
      [10, 1],
    ]);
    const points = survivalCurve(ends, 0.1, 10, [0, 1, 2, 3, 9, 10]);
    expect(points.map((p) => [p.tick, p.empirical, p.running])).toEqual([
      [0, 1, 4],
      [1, 0.75, 3],
      [2, 0.75, 3],
      [3, 0.25, 1],
      [9, 0.25, 1],
      [10, 0, 0],
    ]);
    expect(points[3].theoretical).toBeCloseTo(0.729, 12);
    expect(points[5].theoretical).toBe(0);
  });

  it('empirical is null without observed rounds, the theory is still drawn', () => {
    expect(survivalCurve(new Map(), 0.5, 4, [0, 1])).toEqual([
      { tick: 0, empirical: null, theoretical: 1, running: 0 },
      { tick: 1, empirical: null, theoretical: 0.5, running: 0 },
    ]);
  });

  it('samples ticks by step and always ends on the last one', () => {
    expect(sampleTicks(25, 10)).toEqual([0, 10, 20, 25]);
    expect(sampleTicks(20, 10)).toEqual([0, 10, 20]);
    expect(sampleTicks(3, 1)).toEqual([0, 1, 2, 3]);
  });

  it('converges to the theory on paths drawn with the same rule', () => {
    // A deterministic generator (mulberry32) stands in for the seeds: each tick rugs with p.
    let state = 12345;
    const random = () => {
      state = (state + 0x6d2b79f5) | 0;
      let t = Math.imul(state ^ (state >>> 15), 1 | state);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const p = 0.02;
    const maxTicks = 300;
    const ends = new Map<number, number>();
    for (let round = 0; round < 20_000; round += 1) {
      let tick = 1;
      while (tick < maxTicks && random() >= p) tick += 1;
      ends.set(tick, (ends.get(tick) ?? 0) + 1);
    }
    for (const point of survivalCurve(ends, p, maxTicks, [10, 50, 100, 200])) expect(Math.abs(point.empirical! - point.theoretical)).toBeLessThan(0.015);
  });
});
