import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { ContractFactory, JsonRpcProvider, Network, Wallet } from 'ethers';
import { startAnvil, stopAnvil } from '../../src/blockchain/evm/anvil-process';
import { contractArtifact, ContractName } from '../../src/blockchain/evm/contract-artifacts';
import { devAccount } from '../../src/blockchain/evm/dev-deployment';
import { DEV_CHAIN_ID } from '../../src/config/chain-config';

export interface TestChain {
  port: number;
  url: string;
  provider: JsonRpcProvider;
  /** Env for an app or server on this node: CHAIN=dev, its port, no deploy state carried over. */
  env: Record<string, string>;
  /** A funded account of the standard mnemonic (#0 deploys the server's contracts, #1 is its operator, #19 deploys the suite's own; use #5 and up). */
  wallet(index: number): Wallet;
  mine(blocks?: number): Promise<void>;
  /** eth_blockNumber, uncached. */
  blockNumber(): Promise<number>;
  /** Resolves once no block was mined for `quietMs`: an app's boot-time chain writes (seed commitments of earlier suites' rounds) are done. */
  quiet(quietMs?: number, timeoutMs?: number): Promise<void>;
  deploy(name: ContractName, ...args: unknown[]): Promise<ReturnType<ContractFactory['attach']>>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A fresh anvil on a free port (or `port`: a dev chain restarted where it was) for one suite; `blockTime` 0 mines on every transaction. */
export async function startTestChain({ blockTime = 0, port: fixedPort }: { blockTime?: number; port?: number } = {}): Promise<TestChain> {
  const port = fixedPort ?? (await freePort());
  const child: ChildProcess = await startAnvil({ port, chainId: DEV_CHAIN_ID, blockTime });
  const url = `http://127.0.0.1:${port}`;
  const network = Network.from(DEV_CHAIN_ID);
  const provider = new JsonRpcProvider(url, network, { staticNetwork: network, pollingInterval: 50, cacheTimeout: -1 });
  const deployer = new Wallet(devAccount(19).privateKey, provider);
  return {
    port,
    url,
    provider,
    env: { CHAIN: 'dev', DEV_CHAIN_PORT: String(port), DEV_CHAIN_BLOCK_TIME: String(blockTime) },
    wallet: (index) => new Wallet(devAccount(index).privateKey, provider),
    mine: async (blocks = 1) => {
      await provider.send('anvil_mine', [`0x${blocks.toString(16)}`]);
    },
    blockNumber: async () => Number(BigInt((await provider.send('eth_blockNumber', [])) as string)),
    quiet: async (quietMs = 1500, timeoutMs = 30_000) => {
      const head = async () => Number(BigInt((await provider.send('eth_blockNumber', [])) as string));
      const deadline = Date.now() + timeoutMs;
      let last = await head();
      let since = Date.now();
      while (Date.now() - since < quietMs) {
        if (Date.now() > deadline) throw new Error(`the dev chain kept mining for ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 100));
        const now = await head();
        if (now !== last) [last, since] = [now, Date.now()];
      }
    },
    deploy: async (name, ...args) => {
      const artifact = contractArtifact(name);
      const contract = await new ContractFactory(artifact.abi, artifact.bytecode, deployer).deploy(...args);
      await contract.waitForDeployment();
      return contract;
    },
    stop: async () => {
      provider.destroy();
      await stopAnvil(child);
    },
  };
}
