import { LedgerService, SystemAccount } from '../../../src/accounts/ledger.service';
import { UsersService } from '../../../src/auth/users.service';
import { parseUsdc } from '../../../src/common/money/usdc';
import type { MediumModule } from './medium-module';

export interface GivenUser {
  id: string;
}

/** A new user holding `usdc` available USDC, granted from `promotions` like a starting balance. */
export async function givenUserWithBalance(medium: MediumModule, usdc: string): Promise<GivenUser> {
  const user = await medium.get(UsersService).create({});
  const ledger = medium.get(LedgerService);
  await medium.dataSource.transaction(async (manager) => {
    await ledger.openUserAccount(manager, user.id);
    const amount = parseUsdc(usdc, 'usdc', 'nonNegative');
    if (amount > 0n) {
      await ledger.credit(manager, user.id, amount, { kind: 'test.grant', reference: `user:${user.id}`, idempotencyKey: `test-grant:${user.id}`, from: SystemAccount.promotions });
    }
  });
  return { id: user.id };
}
