import { movementProblem } from './ledger-posting';
import { Movement, Posting, Postings, SystemAccount } from './ledger-vocabulary';

const meta = { kind: 'test.kind', reference: 'test:1', idempotencyKey: 'key-1' };
const house = SystemAccount.house;
const user = { userId: 'u' };
const moves = (posting: Posting) => posting.movements.map(({ account, bucket, amount }: Movement) => `${'userId' in account ? 'user' : account.system}/${bucket} ${amount}`);

describe('Postings builders', () => {
  it('holdWithFee: margin into locked and the fee to fees, both from available; a zero fee is a plain hold', () => {
    const posting = Postings.holdWithFee('u', 100n, 3n, meta);
    expect(moves(posting)).toEqual(['user/available -103', 'user/locked 100', 'fees/available 3']);
    expect(posting).toMatchObject(meta);
    expect(moves(Postings.holdWithFee('u', 100n, 0n, meta))).toEqual(moves(Postings.hold(user, 100n, meta)));
  });

  it('releaseWithCredit: the hold back to available plus the credit from the payer; a zero credit is a plain release', () => {
    expect(moves(Postings.releaseWithCredit('u', 100n, 25n, { ...meta, from: house }))).toEqual([
      'user/locked -100',
      'user/available 100',
      'house/available -25',
      'user/available 25',
    ]);
    expect(moves(Postings.releaseWithCredit('u', 100n, 0n, { ...meta, from: house }))).toEqual(moves(Postings.release(user, 100n, meta)));
  });

  it('closeHold: a profit is paid by the counterparty, a loss goes to it out of the hold and the rest is released', () => {
    const close = (pnl: bigint) => moves(Postings.closeHold('u', 100n, pnl, { ...meta, counterparty: house }));
    expect(close(25n)).toEqual(moves(Postings.releaseWithCredit('u', 100n, 25n, { ...meta, from: house })));
    expect(close(0n)).toEqual(moves(Postings.release(user, 100n, meta)));
    expect(close(-30n)).toEqual(['user/locked -100', 'house/available 30', 'user/available 70']);
    expect(close(-100n)).toEqual(moves(Postings.settleHold(user, 100n, { ...meta, to: house })));
    expect(() => close(-101n)).toThrow(/exceeds the margin/);
  });

  it('the single verbs shapes: credit, debit with fee, settleHold, transfer', () => {
    expect(moves(Postings.credit('u', 5n, { ...meta, from: house }))).toEqual(['house/available -5', 'user/available 5']);
    expect(moves(Postings.debit('u', 5n, { ...meta, to: house, fee: 1n }))).toEqual(['user/available -6', 'house/available 5', 'fees/available 1']);
    expect(moves(Postings.settleHold(user, 5n, { ...meta, to: house }))).toEqual(['user/locked -5', 'house/available 5']);
    expect(moves(Postings.transfer(user, house, 5n, meta))).toEqual(['user/available -5', 'house/available 5']);
  });

  it('keeps only the posting fields of the meta (not from, to, fee, counterparty)', () => {
    const posting = Postings.debit('u', 5n, { ...meta, memo: 'm', to: house, fee: 1n });
    expect(Object.keys(posting).filter((key) => posting[key as keyof Posting] !== undefined).sort()).toEqual(['idempotencyKey', 'kind', 'memo', 'movements', 'reference']);
  });

  it('every builder makes a balanced posting, and refuses zero or negative magnitudes', () => {
    const built = [
      Postings.holdWithFee('u', 7n, 2n, meta),
      Postings.releaseWithCredit('u', 7n, 2n, { ...meta, from: house }),
      Postings.closeHold('u', 7n, -2n, { ...meta, counterparty: house }),
      Postings.debit('u', 7n, { ...meta, to: house, fee: 2n }),
    ];
    for (const posting of built) expect(movementProblem(posting.movements.map((movement) => movement.amount))).toBeUndefined();
    expect(() => Postings.holdWithFee('u', 0n, 1n, meta)).toThrow(/margin must be positive/);
    expect(() => Postings.holdWithFee('u', 1n, -1n, meta)).toThrow(/fee must not be negative/);
    expect(() => Postings.releaseWithCredit('u', 1n, -1n, { ...meta, from: house })).toThrow(/credit must not be negative/);
    expect(() => Postings.hold(user, -1n, meta)).toThrow(/must be positive/);
  });
});
