import { Injectable, Logger } from '@nestjs/common';
import { createClient, custom, type Hex } from 'viem';
import { verifyHash } from 'viem/actions';
import { domainError } from '../../common/errors/domain-error';
import { EvmChain } from './evm-chain.service';
import { MalformedErc6492Signature, signatureBytes, unwrapErc6492Signature } from './erc6492-signature';
import { failureKind, isNodeAnswer, withTimeout } from './rpc-failures';

/** The chain's RPC did not answer (down, timed out, overloaded): the signature could be neither accepted nor refused. */
export class ChainUnavailable extends domainError(503, 'ChainUnavailable', (chainId: number, cause: string) => ({
  message: `Could not check the smart-wallet signature: the RPC of chain ${chainId} did not answer (${cause}); retry`,
  details: { chainId, retryable: true },
})) {}

export type SmartWalletStandard = 'erc1271' | 'erc6492';

export type SmartWalletVerdict =
  | { valid: true; standard: SmartWalletStandard }
  /** `none`: the address has no code and the signature no 6492 wrapper, so it is no smart wallet. */
  | { valid: false; standard: SmartWalletStandard | 'none'; detail?: string };

export interface SmartWalletSignature {
  address: string;
  /** The 32-byte digest the wallet signed (EIP-191 `hashMessage` for a SIWE message). */
  hash: string;
  signature: string;
}

/**
 * Contract-wallet signatures, checked on the configured EVM chain: ERC-1271 for a deployed wallet
 * (`isValidSignature(hash, signature)` answers 0x1626ba7e) and ERC-6492 for one not deployed yet (the wrapper
 * names a factory call; viem's deployless universal validator deploys it inside an `eth_call` and asks it).
 * viem's `verifyHash` reads any failed call as "invalid"; requests go through a transport that remembers when
 * the node itself did not answer, so an outage is a 503, not a refused signature.
 */
@Injectable()
export class SmartWalletSignatures {
  private readonly logger = new Logger(SmartWalletSignatures.name);

  constructor(private readonly evm: EvmChain) {}

  /** The chain whose wallets this checks, or undefined when no EVM chain is configured. */
  get chainId(): number | undefined {
    return this.evm.config?.chainId;
  }

  async verify({ address, hash, signature }: SmartWalletSignature): Promise<SmartWalletVerdict> {
    const config = this.evm.config;
    if (!config) throw new Error('no EVM chain is configured (CHAIN=off): check `chainId` first');
    const bytes = signatureBytes(signature);
    if (!bytes) return { valid: false, standard: 'none', detail: 'the signature is not 0x-prefixed hex bytes' };
    let standard: SmartWalletStandard = 'erc1271';
    try {
      if (unwrapErc6492Signature(bytes)) standard = 'erc6492';
    } catch (error) {
      if (error instanceof MalformedErc6492Signature) return { valid: false, standard: 'erc6492', detail: error.message };
      throw error;
    }

    const rpc = this.trackedRpc(config.signatureCheckTimeoutMs);
    if (standard === 'erc1271') {
      const code = await rpc.request({ method: 'eth_getCode', params: [address, 'latest'] }).catch(() => undefined);
      if (rpc.failure) throw this.unavailable(config.chainId, address, rpc.failure);
      if (code === undefined || code === '0x') return { valid: false, standard: 'none' };
    }
    try {
      const client = createClient({ transport: custom({ request: rpc.request }, { retryCount: 0 }) });
      if (await verifyHash(client, { address: address as Hex, hash: hash as Hex, signature: bytes })) return { valid: true, standard };
    } catch (error) {
      // viem throws for what it cannot even encode or decode; with the node up, that is a bad signature.
      if (!rpc.failure) return { valid: false, standard, detail: error instanceof Error ? error.message.split('\n')[0] : String(error) };
    }
    if (rpc.failure) throw this.unavailable(config.chainId, address, rpc.failure);
    return { valid: false, standard };
  }

  private unavailable(chainId: number, address: string, failure: unknown): ChainUnavailable {
    this.logger.warn(`smart-wallet signature check for ${address} on chain ${chainId}: the RPC did not answer (${failure instanceof Error ? failure.message.slice(0, 300) : String(failure)})`);
    return new ChainUnavailable(chainId, failureKind(failure));
  }

  /** An EIP-1193 `request` over the chain's provider, one per check, that records the first failure that is not the node's answer. */
  private trackedRpc(timeoutMs: number) {
    const provider = this.evm.provider;
    const tracked = {
      failure: undefined as unknown,
      request: async ({ method, params }: { method: string; params?: unknown }): Promise<unknown> => {
        try {
          return await withTimeout(provider.send(method, (params as unknown[] | undefined) ?? []), timeoutMs);
        } catch (error) {
          if (!isNodeAnswer(error)) tracked.failure ??= error;
          throw error;
        }
      },
    };
    return tracked;
  }
}
