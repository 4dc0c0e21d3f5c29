import { afterRound, newSession, winRate } from './session';

const round = (pnl: bigint, trades = 1) => ({ pnl, wagered: 10_000_000n, fees: 100_000n, trades });

describe('strategy session', () => {
  it('keeps the totals, the drawdown from the peak and the win rate', () => {
    let session = newSession(100_000_000n);
    for (const pnl of [5_000_000n, -8_000_000n, -2_000_000n, 1_000_000n]) session = afterRound(session, round(pnl), {});
    expect(session.pnl).toBe(-4_000_000n);
    expect(session.balance).toBe(96_000_000n);
    expect(session.peakBalance).toBe(105_000_000n);
    expect(session.maxDrawdown).toBe(10_000_000n);
    expect(session.roundsWon).toBe(2);
    expect(session.roundsLost).toBe(2);
    expect(winRate(session)).toBe('0.5000');
    expect(session.wagered).toBe(40_000_000n);
  });

  it('extends the martingale streak on a loss, resets it on a win, keeps it on a round without a stake', () => {
    let session = newSession(100_000_000n);
    session = afterRound(session, round(-1n), {});
    session = afterRound(session, round(-1n), {});
    expect(session.lossStreak).toBe(2);
    session = afterRound(session, round(0n, 0), {});
    expect(session.lossStreak).toBe(2);
    session = afterRound(session, round(3n), {});
    expect(session.lossStreak).toBe(0);
  });

  it('stops on the loss limit, the win limit and the round count', () => {
    expect(afterRound(newSession(100n), round(-50n), { stopAfterLoss: 50n }).stoppedBy).toBe('loss-limit');
    expect(afterRound(newSession(100n), round(-49n), { stopAfterLoss: 50n }).stoppedBy).toBeNull();
    expect(afterRound(newSession(100n), round(20n), { stopAfterWin: 20n }).stoppedBy).toBe('win-limit');
    let session = newSession(100n);
    session = afterRound(session, round(0n, 0), { maxRounds: 2 });
    expect(session.stoppedBy).toBeNull();
    expect(afterRound(session, round(0n, 0), { maxRounds: 2 }).stoppedBy).toBe('max-rounds');
  });
});
