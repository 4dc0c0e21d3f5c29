import { InvalidTradeInput } from './amm-errors';
import { DEFAULT_FEE_SCHEDULE, splitFee } from './fees';

describe('splitFee', () => {
  it('floors the fee and the creator share, the platform gets the rest', () => {
    expect(splitFee(12_345_678n, { feeBps: 100, creatorShareBps: 3_333 })).toEqual({ fee: 123_456n, creatorFee: 41_147n, platformFee: 82_309n });
  });

  it('defaults to 100 bps with nothing for the creator', () => {
    expect(splitFee(1_000_000n, DEFAULT_FEE_SCHEDULE)).toEqual({ fee: 10_000n, creatorFee: 0n, platformFee: 10_000n });
  });

  it('charges nothing on amounts too small to carry a whole unit of fee', () => {
    expect(splitFee(99n, { feeBps: 100, creatorShareBps: 10_000 })).toEqual({ fee: 0n, creatorFee: 0n, platformFee: 0n });
  });

  it.each([
    [{ feeBps: -1, creatorShareBps: 0 }],
    [{ feeBps: 10_001, creatorShareBps: 0 }],
    [{ feeBps: 1.5, creatorShareBps: 0 }],
    [{ feeBps: 100, creatorShareBps: 10_001 }],
  ])('refuses %o', (schedule) => {
    expect(() => splitFee(1_000n, schedule)).toThrow(InvalidTradeInput);
  });
});
