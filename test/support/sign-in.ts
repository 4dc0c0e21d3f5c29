import { Account } from '@aptos-labs/ts-sdk';
import { HDNodeWallet, Wallet } from 'ethers';
import request from 'supertest';
import { formatSiweMessage } from '../../src/auth/siwe-message';
import type { RunningApp } from './test-app';

export interface SignedInSession {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  user: { id: string; roles: string[]; walletAddress: string | null; aptosAddress: string | null; email: string | null };
  auth: { Authorization: string };
}

/** A SIWE message for this server (its SIWE_DOMAIN and first allowed chain), with overrides. */
export function siweMessageFor(running: RunningApp, wallet: { address: string }, nonce: string, overrides: Partial<Parameters<typeof formatSiweMessage>[0]> = {}): string {
  return formatSiweMessage({
    domain: running.config.siweDomain,
    address: wallet.address,
    statement: 'Sign in to Cash Markets',
    uri: running.config.publicUrl,
    chainId: running.config.siweChainIds[0]!,
    nonce,
    issuedAt: new Date(),
    ...overrides,
  });
}

export async function siweNonce(running: RunningApp): Promise<string> {
  const response = await request(running.url).post('/api/v1/auth/siwe/nonce').expect(201);
  return response.body.nonce as string;
}

/** A fresh signed SIWE proof: `{message, signature}` for POST /auth/siwe/verify or /me/link/siwe. */
export async function siweProof(running: RunningApp, wallet: HDNodeWallet = Wallet.createRandom()) {
  const message = siweMessageFor(running, wallet, await siweNonce(running));
  return { message, signature: await wallet.signMessage(message) };
}

export async function signInWithSiwe(running: RunningApp, wallet: HDNodeWallet = Wallet.createRandom()): Promise<SignedInSession> {
  const response = await request(running.url).post('/api/v1/auth/siwe/verify').send(await siweProof(running, wallet)).expect(200);
  return { ...response.body, auth: { Authorization: `Bearer ${response.body.accessToken}` } };
}

/** The Aptos wallet `signMessage` result for the server's challenge. */
export async function aptosProof(running: RunningApp, account: Account = Account.generate()) {
  const address = account.accountAddress.toStringLong();
  const issued = await request(running.url).post('/api/v1/auth/aptos/nonce').send({ address }).expect(201);
  const fullMessage = `APTOS\naddress: ${address}\napplication: ${running.config.siweDomain}\nchainId: 2\nmessage: ${issued.body.message}\nnonce: ${issued.body.nonce}`;
  return {
    address,
    publicKey: account.publicKey.toString(),
    signature: account.sign(new TextEncoder().encode(fullMessage)).toString(),
    fullMessage,
  };
}
