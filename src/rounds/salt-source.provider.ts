import type { FactoryProvider } from '@nestjs/common';
import { AptosChain } from '../blockchain/aptos/aptos-chain.service';
import { EvmChain } from '../blockchain/evm/evm-chain.service';
import { AppConfig } from '../config/app-config';
import { AptosSaltDraws, AptosSaltSource } from './aptos-salt-source';
import { EvmBlockSaltSource } from './evm-block-salt-source';
import { SALT_SOURCE, SaltSource, ServerSaltSource } from './salt-source';

/** The salt source SALT_SOURCE names (`evm-block` by default when an EVM chain is configured). */
export function saltSourceFor(config: AppConfig, evm: EvmChain, aptos: AptosChain): SaltSource {
  const { saltSource, saltBlockDelay } = config.chains;
  switch (saltSource) {
    case 'server':
      return new ServerSaltSource();
    case 'evm-block': {
      const chain = evm.config;
      if (!chain) throw new Error('SALT_SOURCE=evm-block needs an EVM chain (CHAIN is off)');
      // Without interval mining the dev chain only mines on transactions: the engine mines the blocks it waits for.
      const mine =
        chain.kind === 'dev' && chain.devChainBlockTime === 0
          ? async (blocks: number) => {
              await evm.provider.send('anvil_mine', [`0x${blocks.toString(16)}`]);
            }
          : undefined;
      return new EvmBlockSaltSource(evm, { chainId: chain.chainId, blockDelay: saltBlockDelay, confirmations: chain.confirmations, pollMs: chain.pollMs, mine });
    }
    case 'aptos': {
      const network = aptos.config;
      if (!network) throw new Error('SALT_SOURCE=aptos needs APTOS_NETWORK');
      const draws: AptosSaltDraws = {
        network: network.network,
        // Read when a round starts: AptosChain knows the package only once connected.
        get moduleAddress() {
          return aptos.moduleAddress;
        },
        find: (roundId) => aptos.find(roundId),
        draw: (roundId) => aptos.draw(roundId),
      };
      return new AptosSaltSource(draws, network.pollMs);
    }
  }
}

export const saltSourceProvider: FactoryProvider<SaltSource> = {
  provide: SALT_SOURCE,
  inject: [AppConfig, EvmChain, AptosChain],
  useFactory: saltSourceFor,
};
