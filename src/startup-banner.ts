import type { AddressInfo } from 'node:net';
import type { EvmChain } from './blockchain/evm/evm-chain.service';
import type { AppConfig } from './config/app-config';

/**
 * What the startup log tells a client developer: where the socket is bound is not where clients
 * reach the server, and SIWE messages must name the configured domain and origins exactly, so
 * both are printed from the configuration the server checks against.
 */
export function startupBanner(config: AppConfig, bound: AddressInfo, siweUriOrigins: string[], evm?: EvmChain): string[] {
  const host = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  const publicUrl = config.publicUrl.replace(/\/$/, '');
  return [
    ...chainLines(evm),
    `Cash Markets (${config.nodeEnv}, role ${config.appRole}) listening on ${host}:${bound.port}; clients use PUBLIC_URL ${publicUrl}`,
    `Sign-in: SIWE messages must name the domain ${config.siweDomain} (SIWE_DOMAIN) and a URI on ${siweUriOrigins.join(' or ')} (Aptos messages: application ${config.siweDomain})`,
    `Swagger UI: ${publicUrl}/docs (OpenAPI JSON: ${publicUrl}/docs-json)`,
  ];
}

/** On the dev chain: where it is, the contracts, and demo wallets holding TestUSDC (public test keys, never real money). */
function chainLines(evm: EvmChain | undefined): string[] {
  if (!evm?.config) return [];
  const { vault, token, seedCommitments } = evm.addresses;
  const lines = [`EVM chain ${evm.config.name} (id ${evm.config.chainId}): vault ${vault}, USDC ${token}, seed commitments ${seedCommitments ?? 'none'}; deposits credited after ${evm.config.confirmations} confirmations`];
  if (evm.config.kind === 'dev' && evm.devContracts) {
    lines.push(`Dev chain RPC ${evm.config.rpcUrl}; demo wallets with 10,000 TestUSDC each (anvil test keys, development only):`);
    for (const wallet of evm.devContracts.demoWallets) lines.push(`  ${wallet.address}  private key ${wallet.privateKey}`);
  }
  return lines;
}
