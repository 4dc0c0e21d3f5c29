import { ContractFactory, getCreateAddress, HDNodeWallet, JsonRpcProvider, Wallet } from 'ethers';
import { contractArtifact, ContractName } from './contract-artifacts';

/** anvil's (and Hardhat's) standard test mnemonic: every account it derives is funded with 10,000 ETH. */
export const DEV_MNEMONIC = 'test test test test test test test test test test test junk';
export const DEV_DEMO_WALLETS = 3;
/** TestUSDC minted to each demo wallet when the contracts are deployed, in minor units (10,000 USDC). */
export const DEV_DEMO_MINT = 10_000_000_000n;

export function devAccount(index: number): HDNodeWallet {
  return HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, `m/44'/60'/0'/0/${index}`);
}

export interface DevContracts {
  token: string;
  vault: string;
  seedCommitments: string;
  /** Accounts #2.. of the mnemonic, holding TestUSDC: for trying deposits from a wallet. */
  demoWallets: { address: string; privateKey: string }[];
  /** True when this call deployed them, false when they were already on the chain. */
  deployed: boolean;
}

const DEPLOY_ORDER: ContractName[] = ['TestUSDC', 'CashMarketsVault', 'SeedCommitments'];

/**
 * Deploys TestUSDC, the vault and SeedCommitments from account #0 (owner) with account #1 as operator, at the
 * addresses of the deployer's first three nonces, and mints TestUSDC to the demo wallets; on a chain that already
 * has them (another instance deployed, or the server restarted against a running node) it only finds them.
 * Callers serialise concurrent deployments (an advisory lock), since two deployers would race for nonce 0.
 */
export async function ensureDevContracts(provider: JsonRpcProvider, operatorAddress: string): Promise<DevContracts> {
  const deployer = new Wallet(devAccount(0).privateKey, provider);
  const [token, vault, seedCommitments] = DEPLOY_ORDER.map((_, nonce) => getCreateAddress({ from: deployer.address, nonce }));
  const demoWallets = Array.from({ length: DEV_DEMO_WALLETS }, (_, i) => devAccount(i + 2)).map(({ address, privateKey }) => ({ address, privateKey }));
  const codes = await Promise.all([token, vault, seedCommitments].map((address) => provider.getCode(address)));
  if (codes.every((code) => code !== '0x')) return { token, vault, seedCommitments, demoWallets, deployed: false };

  const nonce = await provider.getTransactionCount(deployer.address, 'pending');
  if (nonce !== 0) {
    throw new Error(
      `the dev chain's deployer ${deployer.address} has sent ${nonce} transactions but the contracts are not at its first addresses: ` +
        'point DEV_CHAIN_PORT at a fresh anvil (or stop the node on it), or set VAULT_ADDRESS and SEED_COMMITMENTS_ADDRESS',
    );
  }
  const factory = (name: ContractName) => {
    const artifact = contractArtifact(name);
    return new ContractFactory(artifact.abi, artifact.bytecode, deployer);
  };
  // Explicit nonces let every transaction go out at once: with interval mining they all land in the next block.
  const sent = [
    await factory('TestUSDC').getDeployTransaction(),
    await factory('CashMarketsVault').getDeployTransaction(token, operatorAddress, deployer.address),
    await factory('SeedCommitments').getDeployTransaction(operatorAddress, deployer.address),
  ];
  const responses = [];
  for (const [i, tx] of sent.entries()) responses.push(await deployer.sendTransaction({ ...tx, nonce: i }));
  const tokenContract = factory('TestUSDC').attach(token).connect(deployer) as unknown as { mint: { populateTransaction(to: string, amount: bigint): Promise<object> } };
  for (const [i, wallet] of demoWallets.entries()) {
    const mint = await tokenContract.mint.populateTransaction(wallet.address, DEV_DEMO_MINT);
    responses.push(await deployer.sendTransaction({ ...mint, nonce: sent.length + i }));
  }
  const receipts = await Promise.all(responses.map((response) => response.wait()));
  if (receipts.some((receipt) => receipt?.status !== 1)) throw new Error('deploying the dev contracts failed: a transaction reverted');
  return { token, vault, seedCommitments, demoWallets, deployed: true };
}
