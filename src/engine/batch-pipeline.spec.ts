import { BatchPipeline, PredecessorFailed } from './batch-pipeline';

const ok = (result: unknown) => ({ ok: true as const, result });
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('BatchPipeline', () => {
  it('gives a batch the one in flight before it as predecessor, none when it begins alone', () => {
    const pipeline = new BatchPipeline(3);
    const first = pipeline.begin();
    const second = pipeline.begin();
    expect(first.predecessor).toBeNull();
    expect(second.predecessor).toBe(first);
    expect(pipeline.isLast(second)).toBe(true);
    pipeline.finish(first);
    pipeline.finish(second);
    expect(pipeline.begin().predecessor).toBeNull();
  });

  it('lets a batch apply after its predecessor applied and commit after it committed, in that order', async () => {
    const pipeline = new BatchPipeline(2);
    const first = pipeline.begin();
    const second = pipeline.begin();
    const steps: string[] = [];
    const applying = second.afterPredecessorApplied().then(() => steps.push('second applies'));
    const committing = second.afterPredecessorCommitted().then(() => steps.push('second commits'));
    await tick();
    expect(steps).toEqual([]);
    first.applied(new Map());
    await applying;
    await tick();
    expect(steps).toEqual(['second applies']);
    first.committed();
    await committing;
    expect(steps).toEqual(['second applies', 'second commits']);
  });

  it('rolls back every batch after one that failed, whether it waits to apply or to commit', async () => {
    const pipeline = new BatchPipeline(3);
    const first = pipeline.begin();
    const second = pipeline.begin();
    const third = pipeline.begin();
    first.applied(new Map());
    await second.afterPredecessorApplied();
    const secondCommit = second.afterPredecessorCommitted();
    const thirdApply = third.afterPredecessorApplied();
    first.failed();
    await expect(secondCommit).rejects.toBeInstanceOf(PredecessorFailed);
    // The second fails in turn (its transaction rolls back), which stops the third.
    second.failed();
    await expect(thirdApply).rejects.toBeInstanceOf(PredecessorFailed);
    expect(pipeline.isLast(third)).toBe(true);
  });

  it('a failure after the apply still stops the next batch at its commit', async () => {
    const pipeline = new BatchPipeline(2);
    const first = pipeline.begin();
    const second = pipeline.begin();
    first.applied(new Map());
    await expect(second.afterPredecessorApplied()).resolves.toBeUndefined();
    first.failed();
    await expect(second.afterPredecessorCommitted()).rejects.toBeInstanceOf(PredecessorFailed);
  });

  it('hands a batch the outcomes every batch in flight before it stores', () => {
    const pipeline = new BatchPipeline(3);
    const first = pipeline.begin();
    const second = pipeline.begin();
    first.applied(new Map([['a', ok(1)]]));
    second.applied(new Map([['b', ok(2)]]));
    const third = pipeline.begin();
    expect(third.outcomesInFlight()).toEqual(
      new Map([
        ['a', ok(1)],
        ['b', ok(2)],
      ]),
    );
    // A finished batch drops its references, so the chain of batches does not grow.
    third.committed();
    expect(third.outcomesInFlight().size).toBe(0);
  });

  it('waits for room below the depth, and refuses to begin past it', async () => {
    const pipeline = new BatchPipeline(1);
    const only = pipeline.begin();
    expect(() => pipeline.begin()).toThrow('full');
    let room = false;
    const waiting = pipeline.whenBelow(1).then(() => (room = true));
    await tick();
    expect(room).toBe(false);
    pipeline.finish(only);
    await waiting;
    expect(pipeline.inFlight).toBe(0);
    expect(() => new BatchPipeline(0)).toThrow();
  });
});
