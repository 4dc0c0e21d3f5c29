import { Injectable, OnModuleInit } from '@nestjs/common';
import { DepositsService } from '../../../accounts/deposits.service';
import { ReconciliationService } from '../../../accounts/reconciliation.service';
import { formatUsdc } from '../../../common/money/usdc';
import { AppConfig } from '../../../config/app-config';
import { EvmChain } from '../evm-chain.service';

/**
 * Reconciles the ledger against the vault, with every ledger reconciliation: minus the balance of the vault's
 * ledger account (`vault:<chain>:<chainId>:<genesis>`: deposits credited or held unassigned, less what the vault
 * paid out) is what the ledger owes from that vault, and the vault's token balance must cover it. It is larger by
 * the deposits read but not yet credited (`uncredited`), by those not read yet, and by tokens sent to it without
 * `deposit`; at rest with everything credited the two are equal (`surplus` 0).
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
    const config = this.config.chains.evm!;
    const genesis = (await this.evm.block(0))?.hash.toLowerCase();
    if (!genesis) throw new Error('the EVM node has no block 0');
    const vault = this.evm.addresses.vault;
    const onChain = (await this.evm.token.getFunction('balanceOf').staticCall(vault)) as bigint;
    const { owed, uncredited } = await this.deposits.vaultFigures({ chain: config.name, chainId: String(config.chainId), chainEpoch: genesis });
    return {
      ok: onChain >= owed,
      details: { vault, onChain: formatUsdc(onChain), owed: formatUsdc(owed), uncredited: formatUsdc(uncredited), surplus: formatUsdc(onChain - owed) },
    };
  }
}
