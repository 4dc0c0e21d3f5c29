import 'reflect-metadata';
import { createServer } from 'node:net';
import { loadavg } from 'node:os';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { Interface, JsonRpcProvider, Network, Wallet } from 'ethers';
import type { DepositUpdatedEvent } from '../../src/accounts/deposits.events';
import { DepositsEvent } from '../../src/accounts/deposits.events';
import { DepositsService } from '../../src/accounts/deposits.service';
import { UsersService } from '../../src/auth/users.service';
import { contractArtifact } from '../../src/blockchain/evm/contract-artifacts';
import { EvmChain } from '../../src/blockchain/evm/evm-chain.service';
import { AppConfig } from '../../src/config/app-config';
import { DEV_CHAIN_ID } from '../../src/config/chain-config';
import { createApp } from '../../src/main';
import { openLedgerHarness } from '../ledger/harness';
import { baseline } from '../ledger/measure';

/**
 * EVM deposits through the real watcher, against the bare single-row pg transaction measured in the same run:
 *   the whole application (CHAIN=dev: it starts anvil on a free port and deploys the contracts) with the deposit
 *   watcher leading; `--wallets` funded wallets (TestUSDC minted and approved); then `--blocks` times: interval
 *   mining and automine off, `--deposits` vault.deposit transactions sent, one block mined (`anvil_mine`) carrying
 *   all their `Deposited` logs; once the watcher has recorded them SEEN, the confirming block is mined
 *   (EVM_CONFIRMATIONS = 2 on dev) and every deposit's time from that block to its credited balance (its
 *   `deposit.updated` CREDITED event, sent after the crediting transaction commits) is taken.
 *
 * Usage: npm run bench:chain [-- --deposits 1000 --wallets 100 --blocks 5 --poll-ms 500 --seconds 3]
 * Uses DATABASE_URL, REDIS_URL and REDIS_KEY_PREFIX (a scratch database: it creates users and deposits).
 */

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
const GAS_PRICE = { maxFeePerGas: 100_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n };

interface BlockFigures {
  block: number;
  logs: number;
  /** Deposit block mined → all its logs SEEN (eth_getLogs, recordSeen). */
  seenMs: number;
  /** Confirming block mined → each deposit's credited event. */
  creditedMs: number[];
  /** The watcher's own work once it saw the confirming block: confirmBlocks start → the last credited event. */
  watcherMs: number;
}

async function main(): Promise<void> {
  const depositsPerBlock = option('deposits', 1000);
  const walletCount = option('wallets', 100);
  const blocks = option('blocks', 5);
  const pollMs = option('poll-ms', 500);
  const seconds = option('seconds', 3);
  if (depositsPerBlock % walletCount !== 0) throw new Error('--deposits must be a multiple of --wallets');

  const harness = await openLedgerHarness({ LOG_LEVEL: 'error', CHAIN: 'off' });
  const base = await baseline(harness, { seconds, concurrency: 16, users: 200 });
  await harness.close();

  const port = await freePort();
  const config = AppConfig.fromEnv({
    ...process.env,
    LOG_LEVEL: 'warn',
    APP_ROLE: 'all',
    PORT: '0',
    CHAIN: 'dev',
    DEV_CHAIN_PORT: String(port),
    DEV_CHAIN_BLOCK_TIME: '0',
    EVM_POLL_MS: String(pollMs),
    ROUNDS_ENGINE_ENABLED: 'false',
    PRICE_FEED_ENABLED: 'false',
    STARTING_BALANCE: '0',
  });
  const app = await createApp(config);
  await app.init();
  try {
    const evm = app.get(EvmChain);
    const { vault, token } = evm.addresses;
    const network = Network.from(DEV_CHAIN_ID);
    const provider = new JsonRpcProvider(`http://127.0.0.1:${port}`, network, { staticNetwork: network, cacheTimeout: -1 });
    const rpc = (method: string, params: unknown[] = []) => provider.send(method, params);
    const blockNumber = async () => Number(BigInt((await rpc('eth_blockNumber')) as string));
    await rpc('evm_setBlockGasLimit', ['0x' + (200_000_000 * Math.ceil(depositsPerBlock / 1000)).toString(16)]);

    const tokenAbi = new Interface(contractArtifact('TestUSDC').abi);
    const vaultAbi = new Interface(contractArtifact('CashMarketsVault').abi);
    const amount = 1_000_000n; // 1 USDC a deposit
    const perWallet = depositsPerBlock / walletCount;
    const wallets = Array.from({ length: walletCount }, () => new Wallet(Wallet.createRandom().privateKey));
    const users = app.get(UsersService);
    for (const wallet of wallets) await users.create({ walletAddress: wallet.address });

    // Signed up front with explicit nonces and gas, so sending is only eth_sendRawTransaction.
    const sign = (wallet: Wallet, nonce: number, to: string, data: string) =>
      wallet.signTransaction({ type: 2, chainId: DEV_CHAIN_ID, nonce, to, data, gasLimit: 150_000n, ...GAS_PRICE });
    const sendAll = async (raw: string[]) => {
      for (let i = 0; i < raw.length; i += 100) await Promise.all(raw.slice(i, i + 100).map((tx) => rpc('eth_sendRawTransaction', [tx])));
    };
    const mineOne = async () => {
      await rpc('anvil_mine', ['0x1']);
      return blockNumber();
    };

    await rpc('evm_setIntervalMining', [0]);
    await rpc('evm_setAutomine', [false]);
    for (const wallet of wallets) await rpc('anvil_setBalance', [wallet.address, '0x3635c9adc5dea00000']);
    const funding: string[] = [];
    for (const wallet of wallets) {
      funding.push(await sign(wallet, 0, token, tokenAbi.encodeFunctionData('mint', [wallet.address, amount * BigInt(perWallet * blocks)])));
      funding.push(await sign(wallet, 1, token, tokenAbi.encodeFunctionData('approve', [vault, amount * BigInt(perWallet * blocks)])));
    }
    await sendAll(funding);
    const fundedIn = await mineOne();
    const fundingReceipts = (await rpc('eth_getBlockReceipts', [`0x${fundedIn.toString(16)}`])) as { status: string }[];
    if (fundingReceipts.length !== funding.length || fundingReceipts.some((receipt) => receipt.status !== '0x1')) throw new Error('funding the wallets failed');

    // The watcher's own time: from its confirmBlocks call (it has seen the confirming block) to the last credit.
    const deposits = app.get(DepositsService);
    let confirmStartedAt = 0;
    const confirmBlocks = deposits.confirmBlocks.bind(deposits);
    deposits.confirmBlocks = async (...args) => {
      confirmStartedAt = performance.now();
      return confirmBlocks(...args);
    };
    if (process.env.BENCH_PROFILE === '1') profile(deposits);

    const events = app.get(EventEmitter2);
    const figures: BlockFigures[] = [];
    for (let round = 0; round < blocks; round++) {
      const raw: string[] = [];
      for (let i = 0; i < perWallet; i++) {
        for (const wallet of wallets) raw.push(await sign(wallet, 2 + round * perWallet + i, vault, vaultAbi.encodeFunctionData('deposit', [amount])));
      }
      await sendAll(raw);

      const seen = new Set<string>();
      const credited = new Map<string, number>();
      let depositBlock = -1;
      let onSeen: () => void = () => undefined;
      let onCredited: () => void = () => undefined;
      const allSeen = new Promise<void>((resolve) => (onSeen = resolve));
      const allCredited = new Promise<void>((resolve) => (onCredited = resolve));
      const listener = ({ deposit }: DepositUpdatedEvent) => {
        if (Number(deposit.blockNumber) !== depositBlock) return;
        const key = `${deposit.txHash}`;
        if (deposit.status === 'SEEN' && seen.add(key).size === depositsPerBlock) onSeen();
        if (deposit.status === 'CREDITED' && !credited.has(key)) {
          credited.set(key, performance.now());
          if (credited.size === depositsPerBlock) onCredited();
        }
      };
      events.on(DepositsEvent.Updated, listener);
      const minedAt = performance.now();
      depositBlock = await mineOne();
      const receipts = (await rpc('eth_getBlockReceipts', [`0x${depositBlock.toString(16)}`])) as { status: string; logs: unknown[] }[];
      const logs = receipts.filter((receipt) => receipt.status === '0x1').reduce((total, receipt) => total + receipt.logs.length, 0);
      if (receipts.length !== depositsPerBlock || logs < depositsPerBlock) throw new Error(`block ${depositBlock} carries ${receipts.length} deposit transactions, not ${depositsPerBlock}`);
      await allSeen;
      const seenMs = performance.now() - minedAt;

      const confirmingAt = performance.now();
      await mineOne();
      await allCredited;
      events.off(DepositsEvent.Updated, listener);
      const creditedMs = [...credited.values()].map((at) => at - confirmingAt).sort((a, b) => a - b);
      figures.push({ block: depositBlock, logs: depositsPerBlock, seenMs, creditedMs, watcherMs: Math.max(...credited.values()) - confirmStartedAt });
    }

    const all = figures.flatMap((figure) => figure.creditedMs).sort((a, b) => a - b);
    const perSecond = figures.map((figure) => figure.logs / (figure.creditedMs[figure.creditedMs.length - 1] / 1000));
    const watcherPerSecond = figures.map((figure) => figure.logs / (figure.watcherMs / 1000));
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
    console.log(
      `chain bench: ${blocks} blocks of ${depositsPerBlock} Deposited logs from ${walletCount} wallets, EVM_CONFIRMATIONS ${config.chains.evm!.confirmations}, EVM_POLL_MS ${pollMs}, load average ${loadavg()
        .map((value) => value.toFixed(1))
        .join(' ')}`,
    );
    console.log(`baseline: ${base.name}, 16 clients: ${base.perSecond.toFixed(0)}/s (p50 ${base.p50Ms.toFixed(2)} ms)`);
    console.log('| block | logs | mined → all SEEN ms | confirming block → credited p50 / p99 / max ms | watcher confirm+credit ms | credited/s (from the confirming block) | credited/s (watcher work) |');
    console.log('|---:|---:|---:|---|---:|---:|---:|');
    for (const [i, figure] of figures.entries()) {
      const sorted = figure.creditedMs;
      console.log(
        `| ${figure.block} | ${figure.logs} | ${figure.seenMs.toFixed(0)} | ${quantile(sorted, 0.5).toFixed(0)} / ${quantile(sorted, 0.99).toFixed(0)} / ${sorted[sorted.length - 1].toFixed(0)} | ${figure.watcherMs.toFixed(0)} | ${perSecond[i].toFixed(0)} | ${watcherPerSecond[i].toFixed(0)} |`,
      );
    }
    console.log(
      `all ${all.length} deposits: confirming block → credited p50 ${quantile(all, 0.5).toFixed(0)} ms, p99 ${quantile(all, 0.99).toFixed(0)} ms; ` +
        `credited/s median ${median(perSecond).toFixed(0)} from the confirming block, ${median(watcherPerSecond).toFixed(0)} in the watcher's work ` +
        `(${(median(watcherPerSecond) / base.perSecond).toFixed(2)}× the baseline's single-row transactions/s)`,
    );
    provider.destroy();
  } finally {
    await app.close();
  }
}

/** BENCH_PROFILE=1: each DepositsService call's time, printed as it returns. */
function profile(deposits: DepositsService): void {
  const target = deposits as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  for (const name of ['recordSeen', 'blocksAwaitingConfirmation', 'confirmBlocks', 'creditConfirmed']) {
    const original = target[name].bind(deposits);
    target[name] = async (...args: unknown[]) => {
      const started = performance.now();
      const result = await original(...args);
      console.log(`  ${name}: ${(performance.now() - started).toFixed(1)} ms`);
      return result;
    };
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
