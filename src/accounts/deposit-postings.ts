import { Posting, Postings, SystemAccount } from './ledger-vocabulary';

/** Which chain history a deposit belongs to: the chain's name, its chain id, and its epoch (EVM genesis hash, or ''). */
export interface DepositChain {
  chain: string;
  chainId: string;
  chainEpoch: string;
}

/** What a posting needs of a deposit row. */
export interface DepositForPosting extends DepositChain {
  id: string;
  asset: string;
  amount: bigint;
}

/** `dev:31337:0x…` (EVM, keyed by genesis hash so a reset dev chain is a new vault), `aptos:1`. */
export function vaultKey({ chain, chainId, chainEpoch }: DepositChain): string {
  return chainEpoch ? `${chain}:${chainId}:${chainEpoch}` : `${chain}:${chainId}`;
}

export function vaultAccount(chain: DepositChain): { system: string } {
  return SystemAccount.chainVault(vaultKey(chain));
}

const reference = (deposit: DepositForPosting) => `deposit:${deposit.id}`;

/**
 * The ledger side of a deposit. Money enters from the chain's vault account (it goes negative by what the vault
 * holds for users), either to the depositor or, for an unknown sender, to `unassigned-deposits`; an admin moves
 * an unassigned one on to a user, or holds it there for a return, which settles back into the vault account
 * once it is paid on chain. Credits carry the deposit's id as idempotency key: a deposit row is credited once.
 */
export const DepositPostings = {
  credit(deposit: DepositForPosting, userId: string): Posting {
    return Postings.credit(userId, deposit.amount, {
      kind: 'deposit.credit',
      reference: reference(deposit),
      asset: deposit.asset,
      idempotencyKey: `deposit:${deposit.id}:credit`,
      from: vaultAccount(deposit),
    });
  },

  /** Same key as `credit`: a deposit is either credited or held unassigned, never both. */
  holdUnassigned(deposit: DepositForPosting): Posting {
    return Postings.transfer(vaultAccount(deposit), SystemAccount.unassignedDeposits, deposit.amount, {
      kind: 'deposit.unassigned',
      reference: reference(deposit),
      asset: deposit.asset,
      idempotencyKey: `deposit:${deposit.id}:credit`,
    });
  },

  assign(deposit: DepositForPosting, userId: string, adminId: string): Posting {
    return Postings.credit(userId, deposit.amount, {
      kind: 'deposit.assign',
      reference: reference(deposit),
      asset: deposit.asset,
      idempotencyKey: `deposit:${deposit.id}:assign`,
      from: SystemAccount.unassignedDeposits,
      memo: `assigned by admin ${adminId}`,
    });
  },

  /** Earmarks the amount in `unassigned-deposits` (available → locked) while the return is being sent. */
  holdForReturn(deposit: DepositForPosting): Posting {
    return Postings.hold(SystemAccount.unassignedDeposits, deposit.amount, { kind: 'deposit.return-hold', reference: reference(deposit), asset: deposit.asset });
  },

  /** A return that will not be sent: the amount is unassigned again. */
  releaseReturn(deposit: DepositForPosting): Posting {
    return Postings.release(SystemAccount.unassignedDeposits, deposit.amount, { kind: 'deposit.return-release', reference: reference(deposit), asset: deposit.asset });
  },

  /** The return was paid out of the vault on chain: the vault no longer holds it. */
  settleReturn(deposit: DepositForPosting): Posting {
    return Postings.settleHold(SystemAccount.unassignedDeposits, deposit.amount, {
      kind: 'deposit.returned',
      reference: reference(deposit),
      asset: deposit.asset,
      idempotencyKey: `deposit:${deposit.id}:returned`,
      to: vaultAccount(deposit),
    });
  },
};
