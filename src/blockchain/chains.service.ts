import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { USDC_DECIMALS } from '../common/money/usdc';
import { ChainDto, ChainsDto } from './chains.dto';
import { EvmChain } from './evm/evm-chain.service';

/** What a client needs to deposit, withdraw and check salts: every configured chain's addresses and rules. */
@Injectable()
export class ChainsService {
  /** Chains other than the EVM one (Aptos) register how to describe themselves here. */
  private readonly others: (() => ChainDto)[] = [];

  constructor(
    private readonly config: AppConfig,
    private readonly evm: EvmChain,
  ) {}

  register(describe: () => ChainDto): void {
    this.others.push(describe);
  }

  describe(): ChainsDto {
    const chains: ChainDto[] = [];
    const evm = this.evm.config;
    if (evm) {
      const addresses = this.evm.addresses;
      chains.push({
        name: evm.name,
        kind: 'evm',
        chainId: evm.chainId,
        network: null,
        rpcUrl: evm.kind === 'dev' ? evm.rpcUrl : null,
        vaultAddress: addresses.vault,
        seedCommitmentsAddress: addresses.seedCommitments,
        confirmations: evm.confirmations,
        token: { symbol: 'USDC', decimals: USDC_DECIMALS, address: addresses.token },
      });
    }
    chains.push(...this.others.map((describe) => describe()));
    return { chains, saltSource: this.config.chains.saltSource };
  }
}
