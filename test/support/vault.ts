import { Contract, Wallet } from 'ethers';
import { contractArtifact } from '../../src/blockchain/evm/contract-artifacts';
import { devAccount } from '../../src/blockchain/evm/dev-deployment';
import type { TestChain } from './dev-chain';

/**
 * The server's dev contracts on a test chain, as its users and owner see them: account #0 deployed and owns them
 * (pause), #5.. are test users (one of them mints TestUSDC into the vault so it can pay withdrawals).
 */
export interface VaultActors {
  vault: Contract;
  token: Contract;
  seedCommitments: Contract;
  owner: Wallet;
  fund(amount: bigint): Promise<void>;
  balanceOf(address: string): Promise<bigint>;
  setPaused(paused: boolean, overrides?: { maxPriorityFeePerGas?: bigint; maxFeePerGas?: bigint }): Promise<string>;
  /** Withdrawn events for a withdrawal id (bytes32). */
  withdrawnEvents(withdrawalId: string): Promise<{ transactionHash: string; to: string; amount: bigint }[]>;
}

export function vaultActors(chain: TestChain, addresses: { vault: string; token: string; seedCommitments: string | null }): VaultActors {
  const owner = new Wallet(devAccount(0).privateKey, chain.provider);
  const minter = chain.wallet(5);
  const vault = new Contract(addresses.vault, contractArtifact('CashMarketsVault').abi, chain.provider);
  const token = new Contract(addresses.token, contractArtifact('TestUSDC').abi, chain.provider);
  const seedCommitments = new Contract(addresses.seedCommitments!, contractArtifact('SeedCommitments').abi, chain.provider);
  return {
    vault,
    token,
    seedCommitments,
    owner,
    fund: async (amount) => {
      await ((await (token.connect(minter) as Contract).getFunction('mint')(addresses.vault, amount)) as { wait(): Promise<unknown> }).wait();
    },
    balanceOf: async (address) => (await token.getFunction('balanceOf').staticCall(address)) as bigint,
    setPaused: async (paused, overrides = {}) => {
      const sent = (await (vault.connect(owner) as Contract).getFunction(paused ? 'pause' : 'unpause')(overrides)) as { hash: string };
      return sent.hash;
    },
    withdrawnEvents: async (withdrawalId) => {
      const logs = await vault.queryFilter(vault.filters.Withdrawn(withdrawalId), 0, 'latest');
      return logs.map((log) => {
        const parsed = vault.interface.parseLog(log)!;
        return { transactionHash: log.transactionHash, to: parsed.args.to as string, amount: parsed.args.amount as bigint };
      });
    },
  };
}

/** Interval mining off: transactions wait in the pool until `chain.mine()` or `resumeMining`. */
export async function stopMining(chain: TestChain): Promise<void> {
  await chain.provider.send('evm_setIntervalMining', [0]);
  await chain.provider.send('evm_setAutomine', [false]);
}

export async function resumeMining(chain: TestChain, blockTimeSeconds = 1): Promise<void> {
  await chain.provider.send('evm_setIntervalMining', [blockTimeSeconds]);
}

export function randomAddress(): string {
  return Wallet.createRandom().address;
}
