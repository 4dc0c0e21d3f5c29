import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { UserTransactionResponse } from '@aptos-labs/ts-sdk';
import { depositsIn, isAlreadyDrawnAbort, saltDrawIn, saltHex, UnexpectedAptosResponse } from './aptos-transactions';
import { cashMarketsModule } from './cash-markets-module';

const MODULE = `0x${'5c'.repeat(32)}`;
const cashMarkets = cashMarketsModule(MODULE);
const USER = `0x${'0a'.repeat(32)}`;

/** A recorded response from test/fixtures/aptos with the package at MODULE. */
function recorded(name: string, edit: (transaction: UserTransactionResponse & { events: { data: Record<string, unknown> }[] }) => void = () => undefined): UserTransactionResponse {
  const text = readFileSync(join(__dirname, '..', '..', '..', 'test', 'fixtures', 'aptos', `${name}.json`), 'utf8').replaceAll('0x0::', `${MODULE}::`);
  const transaction = JSON.parse(text) as UserTransactionResponse & { events: { data: Record<string, unknown> }[] };
  transaction.hash = `0x${'77'.repeat(32)}`;
  edit(transaction);
  return transaction;
}

describe('Aptos transactions: salts and deposits read from committed transactions', () => {
  it('writes a u256 salt as 64 hex digits and refuses anything else', () => {
    expect(saltHex('0')).toBe('0'.repeat(64));
    expect(saltHex('255')).toBe(`${'0'.repeat(62)}ff`);
    expect(saltHex((2n ** 256n - 1n).toString())).toBe('f'.repeat(64));
    for (const bad of [(2n ** 256n).toString(), '-1', '0x10', 12, undefined]) expect(() => saltHex(bad)).toThrow(UnexpectedAptosResponse);
  });

  it('finds the round’s RoundSaltDrawn in a successful draw', () => {
    const transaction = recorded('salt-draw-transaction', (t) => (t.events[1].data = { round_id: '42', salt: '3735928559' }));
    // The fixture's timestamp is 1760000001234567 µs.
    expect(saltDrawIn(transaction, cashMarkets, 42n)).toEqual({
      roundId: 42n,
      salt: `${'0'.repeat(56)}deadbeef`,
      txHash: transaction.hash,
      version: 6841267101n,
      drawnAt: new Date('2025-10-09T08:53:21.234Z'),
    });
    expect(() => saltDrawIn({ ...transaction, timestamp: 'soon' }, cashMarkets, 42n)).toThrow(/timestamp "soon"/);
    expect(saltDrawIn(transaction, cashMarkets, 43n)).toBeUndefined();
    expect(saltDrawIn(transaction, cashMarketsModule(`0x${'99'.repeat(32)}`), 42n)).toBeUndefined();
  });

  it('tells an aborted second draw from other failures', () => {
    const aborted = recorded('salt-draw-aborted-transaction', (t) => (t.vm_status = t.vm_status.replace('0x0::', `${MODULE}::`)));
    expect(isAlreadyDrawnAbort(aborted)).toBe(true);
    expect(saltDrawIn(aborted, cashMarkets, 0n)).toBeUndefined();
    expect(isAlreadyDrawnAbort({ ...aborted, vm_status: `Move abort in ${MODULE}::roles: E_NOT_OPERATOR(0x50002): The caller is not the operator.` })).toBe(false);
    expect(isAlreadyDrawnAbort({ ...aborted, vm_status: 'Out of gas' })).toBe(false);
    expect(isAlreadyDrawnAbort(recorded('salt-draw-transaction'))).toBe(false);
  });

  it('reads the vault’s Deposited events as final deposits, canonical depositor, event index as the log index', () => {
    const transaction = recorded('deposit-transaction', (t) => (t.events[2].data = { account: '0xa', amount: '30000000' }));
    expect(depositsIn(transaction, cashMarkets, 2)).toEqual([
      {
        chain: 'aptos',
        chainId: '2',
        txHash: transaction.hash,
        logIndex: 2,
        blockNumber: 6841267101n,
        blockHash: null,
        fromAddress: `0x${'0'.repeat(63)}a`,
        asset: 'USDC',
        amount: 30_000_000n,
      },
    ]);
  });

  it('credits nothing for a failed transaction or another package’s Deposited', () => {
    expect(depositsIn(recorded('deposit-transaction', (t) => (t.success = false)), cashMarkets, 2)).toEqual([]);
    expect(depositsIn(recorded('deposit-transaction', (t) => (t.events[2].data = { account: USER, amount: '1' })), cashMarketsModule(`0x${'99'.repeat(32)}`), 2)).toEqual([]);
  });

  it('refuses a malformed Deposited event rather than skip money', () => {
    for (const data of [{ account: 'alice', amount: '1' }, { account: USER, amount: '0' }, { account: USER, amount: 1 }, { account: USER }]) {
      expect(() => depositsIn(recorded('deposit-transaction', (t) => (t.events[2].data = data)), cashMarkets, 2)).toThrow(UnexpectedAptosResponse);
    }
  });
});
