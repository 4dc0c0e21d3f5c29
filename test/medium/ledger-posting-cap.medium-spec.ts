import { LedgerService, PostingTooLarge, Postings, SystemAccount } from '../../src/accounts/ledger.service';
import { parseUsdc } from '../../src/common/money/usdc';
import { givenUserWithBalance } from './support/given';
import { MediumModule, startMediumModule } from './support/medium-module';

const units = (decimal: string) => parseUsdc(decimal, 'amount', 'any');

/** LEDGER_MAX_POSTING is the ledger's own rule: whoever posts (an admin, a venue, a job), one movement above it moves nothing. */
describe('Ledger posting cap (medium)', () => {
  let medium: MediumModule;
  let ledger: LedgerService;

  beforeAll(async () => {
    medium = await startMediumModule({ providers: [] }, { LEDGER_MAX_POSTING: 'USDC=5000' });
    ledger = medium.get(LedgerService);
  });

  afterAll(() => medium.close());

  const available = async (userId: string) =>
    BigInt(((await medium.dataSource.query(`SELECT available FROM accounts WHERE user_id = $1 AND asset = 'USDC'`, [userId])) as { available: string }[])[0].available);

  it('posts a movement of exactly the cap, and refuses one unit more with 422 PostingTooLarge', async () => {
    const user = await givenUserWithBalance(medium, '0');
    const before = await available(user.id);
    const credit = (amount: bigint, reference: string) =>
      medium.dataSource.transaction((manager) => ledger.credit(manager, user.id, amount, { kind: 'test.credit', reference, from: SystemAccount.promotions }));
    await credit(units('5000'), 'at-cap');
    const refused = credit(units('5000.000001'), 'over-cap');
    await expect(refused).rejects.toBeInstanceOf(PostingTooLarge);
    await expect(refused).rejects.toMatchObject({ status: 422, error: 'PostingTooLarge', details: { asset: 'USDC', amount: '5000.000001', max: '5000' } });
    expect(await available(user.id)).toBe(before + units('5000'));
  });

  it('refuses a whole batch when one of its postings is over the cap', async () => {
    const user = await givenUserWithBalance(medium, '100');
    const before = await available(user.id);
    const batch = medium.dataSource.transaction((manager) =>
      ledger.postBatch(manager, [
        Postings.credit(user.id, units('1'), { kind: 'test.credit', reference: 'small', from: SystemAccount.promotions }),
        Postings.credit(user.id, 10n ** 60n, { kind: 'test.credit', reference: 'absurd', from: SystemAccount.promotions }),
      ]),
    );
    await expect(batch).rejects.toBeInstanceOf(PostingTooLarge);
    expect(await available(user.id)).toBe(before);
  });
});
