import { Injectable, OnModuleInit } from '@nestjs/common';
import { DepositsService } from '../../../accounts/deposits.service';
import { ReconciliationService } from '../../../accounts/reconciliation.service';
import { formatUsdc } from '../../../common/money/usdc';
import { AppConfig } from '../../../config/app-config';
import { EvmChain } from '../evm-chain.service';

/**
 * Reconciles the ledger against the vault, with every ledger reconciliation: minus the balance of the vault's
 * ledger account (`vault:<chain>:<chainId>:<genesis>`: deposits credited or held unassigned, less the withdrawals
 * and deposit returns the vault paid, settled into it once confirmed) is what the ledger owes from that vault, and
 * the vault's token balance must cover it. It is larger by the deposits read but not yet credited (`uncredited`),
 * by those not read yet, and by tokens sent to it without `deposit`; it may be smaller by at most the payments
 * out not yet confirmed (`paying`: SENDING/SENT withdrawals and requested returns, maybe mined already). At rest,
 * with everything credited and nothing being paid, the two are equal (`surplus` 0).
 */
@Injectable()
export class EvmVaultReconciliation implements OnModuleInit {
  constructor(
    private readonly config: AppConfig,
    private readonly evm: EvmChain,
    private readonly deposits: DepositsService,
    private readonly reconciliation: ReconciliationService,
  ) {}

  onModuleInit(): void {
    const config = this.config.chains.evm;
    if (!config) return;
    this.reconciliation.registerCheck({ name: `evm-vault:${config.name}`, run: () => this.check() });
  }

  private async check(): Promise<{ ok: boolean; details: Record<string, string> }> {
    const vault = this.evm.addresses.vault;
    const { owed, uncredited, withdrawing, returning } = await this.deposits.vaultFigures(await this.evm.vaultChain());
    // Read after the ledger's snapshot: a deposit credited since is on chain already, a payment settled since was paying in it.
    const onChain = (await this.evm.token.getFunction('balanceOf').staticCall(vault)) as bigint;
    const paying = withdrawing + returning;
    return {
      ok: onChain >= owed - paying,
      details: {
        vault,
        onChain: formatUsdc(onChain),
        owed: formatUsdc(owed),
        uncredited: formatUsdc(uncredited),
        paying: formatUsdc(paying),
        surplus: formatUsdc(onChain - owed),
      },
    };
  }
}
