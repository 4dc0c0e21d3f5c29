import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { InterfaceAbi } from 'ethers';

/** Contracts compiled by `scripts/build-contracts.js` (part of `npm run build`) into contracts/evm/artifacts. */
export type ContractName = 'CashMarketsVault' | 'TestUSDC' | 'SeedCommitments' | 'TestSmartWallet' | 'TestSmartWalletFactory';

export interface ContractArtifact {
  contractName: ContractName;
  abi: InterfaceAbi;
  bytecode: string;
  deployedBytecode: string;
}

const cache = new Map<ContractName, ContractArtifact>();

/** The project root: the nearest folder above this file holding contracts/evm (src/… under ts-jest, dist/src/… built). */
function artifactsDir(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'contracts', 'evm'))) return join(dir, 'contracts', 'evm', 'artifacts');
  }
  throw new Error('contracts/evm not found above ' + __dirname);
}

export function contractArtifact(name: ContractName): ContractArtifact {
  const cached = cache.get(name);
  if (cached) return cached;
  const file = join(artifactsDir(), `${name}.json`);
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build:contracts\` (npm run build does it)`);
  const artifact = JSON.parse(readFileSync(file, 'utf8')) as ContractArtifact;
  cache.set(name, artifact);
  return artifact;
}
