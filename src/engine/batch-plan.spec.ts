import { batchOutcomes, outcomesToStore, planBatch, QueuedCommand, recordedIds } from './batch-plan';
import type { CommandOutcome } from './venue';

const command = (id: string, recorded = true): QueuedCommand => ({ command: { id, type: 'add', payload: {} }, recorded });
const ok = (result: unknown): CommandOutcome => ({ ok: true, result });
const refused = (status: number): CommandOutcome => ({ ok: false, refusal: { status, error: 'Nope', message: 'no' } });

describe('batch plan', () => {
  it('applies new commands in arrival order', () => {
    const batch = [command('a'), command('b')];
    const plan = planBatch(batch, new Map());
    expect(plan.fresh.map((c) => c.id)).toEqual(['a', 'b']);
    expect(batchOutcomes(plan, [ok(1), ok(2)])).toEqual([ok(1), ok(2)]);
  });

  it('answers an id committed before with its stored outcome, without applying it', () => {
    const batch = [command('a'), command('done'), command('b')];
    const plan = planBatch(batch, new Map([['done', ok('first time')]]));
    expect(plan.fresh.map((c) => c.id)).toEqual(['a', 'b']);
    expect(batchOutcomes(plan, [ok(1), ok(2)])).toEqual([ok(1), ok('first time'), ok(2)]);
    expect(outcomesToStore(batch, plan, batchOutcomes(plan, [ok(1), ok(2)])).map((row) => row.id)).toEqual(['a', 'b']);
  });

  it('applies an id repeated within one batch once and answers both with its outcome', () => {
    const batch = [command('a'), command('a')];
    const plan = planBatch(batch, new Map());
    expect(plan.fresh).toHaveLength(1);
    expect(batchOutcomes(plan, [ok(7)])).toEqual([ok(7), ok(7)]);
    expect(outcomesToStore(batch, plan, [ok(7), ok(7)])).toEqual([{ id: 'a', outcome: ok(7) }]);
  });

  it('never deduplicates or stores unrecorded local events', () => {
    const batch = [command('tick', false), command('tick', false)];
    expect(recordedIds(batch)).toEqual([]);
    const plan = planBatch(batch, new Map([['tick', ok('stale')]]));
    expect(plan.fresh).toHaveLength(2);
    expect(outcomesToStore(batch, plan, batchOutcomes(plan, [ok(1), ok(2)]))).toEqual([]);
  });

  it('stores refusals but not 5xx ones, whose retry must run again', () => {
    const batch = [command('a'), command('b')];
    const plan = planBatch(batch, new Map());
    expect(outcomesToStore(batch, plan, [refused(422), refused(503)])).toEqual([{ id: 'a', outcome: refused(422) }]);
  });

  it('refuses a venue answer of the wrong length', () => {
    const plan = planBatch([command('a')], new Map());
    expect(() => batchOutcomes(plan, [])).toThrow('answered 0 outcomes for 1 commands');
  });
});
