import { getAddress, id } from 'ethers';

/** topic0 of the vault's `Deposited(address indexed account, uint256 amount)`. */
export const DEPOSITED_TOPIC = id('Deposited(address,uint256)');

/** A log as `eth_getLogs` answers it (hex quantities). */
export interface RawLog {
  address: string;
  topics: string[];
  data: string;
  blockNumber: string;
  blockHash: string;
  transactionHash: string;
  logIndex: string;
  removed?: boolean;
}

export interface DepositedLog {
  txHash: string;
  logIndex: number;
  blockNumber: bigint;
  blockHash: string;
  /** EIP-55, as users' wallet addresses are stored. */
  account: string;
  amount: bigint;
}

/** The Deposited log's fields, or undefined when it is not one (another event, malformed, or `removed`). */
export function decodeDepositedLog(log: RawLog): DepositedLog | undefined {
  if (log.removed || log.topics.length !== 2 || log.topics[0].toLowerCase() !== DEPOSITED_TOPIC) return undefined;
  if (!/^0x0{24}[0-9a-fA-F]{40}$/.test(log.topics[1]) || !/^0x[0-9a-fA-F]{64}$/.test(log.data)) return undefined;
  const amount = BigInt(log.data);
  if (amount === 0n) return undefined;
  return {
    txHash: log.transactionHash.toLowerCase(),
    logIndex: Number(BigInt(log.logIndex)),
    blockNumber: BigInt(log.blockNumber),
    blockHash: log.blockHash.toLowerCase(),
    account: getAddress(`0x${log.topics[1].slice(26)}`),
    amount,
  };
}

/** `eth_getLogs` filter for the vault's Deposited logs in [fromBlock, toBlock]. */
export function depositedLogsFilter(vault: string, fromBlock: bigint, toBlock: bigint): object {
  return { address: vault, topics: [DEPOSITED_TOPIC], fromBlock: `0x${fromBlock.toString(16)}`, toBlock: `0x${toBlock.toString(16)}` };
}
