import type { AddressInfo } from 'node:net';
import type { AppConfig } from './config/app-config';

/**
 * What the startup log tells a client developer: where the socket is bound is not where clients
 * reach the server, and SIWE messages must name the configured domain and origins exactly, so
 * both are printed from the configuration the server checks against.
 */
export function startupBanner(config: AppConfig, bound: AddressInfo, siweUriOrigins: string[]): string[] {
  const host = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  const publicUrl = config.publicUrl.replace(/\/$/, '');
  return [
    `Cash Markets (${config.nodeEnv}, role ${config.appRole}) listening on ${host}:${bound.port}; clients use PUBLIC_URL ${publicUrl}`,
    `Sign-in: SIWE messages must name the domain ${config.siweDomain} (SIWE_DOMAIN) and a URI on ${siweUriOrigins.join(' or ')} (Aptos messages: application ${config.siweDomain})`,
    `Swagger UI: ${publicUrl}/docs (OpenAPI JSON: ${publicUrl}/docs-json)`,
  ];
}
