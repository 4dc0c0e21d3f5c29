import { intBetweenProblem } from './is-int-between.decorator';

describe('intBetweenProblem', () => {
  it.each([
    [1, undefined],
    [100, undefined],
    [Number.NaN, 'must be an integer number'],
    [1.5, 'must be an integer number'],
    ['7', 'must be an integer number'],
    [null, 'must be an integer number'],
    [0, 'must not be less than 1'],
    [101, 'must not be greater than 100'],
    [Number.POSITIVE_INFINITY, 'must be an integer number'],
  ])('%p → %p', (value, problem) => {
    expect(intBetweenProblem(value, 1, 100)).toBe(problem);
  });
});
