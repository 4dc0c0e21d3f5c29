import { Wallet } from 'ethers';
import { formatSiweMessage, parseSiweMessage, SiweRejected, verifySiweSignIn } from './siwe-message';

const wallet = Wallet.createRandom();
const now = new Date('2026-11-25T12:00:00.000Z');
const policy = { domain: 'app.example.com', chainIds: [1, 8453], now, clockSkewMs: 30_000 };

function message(overrides: Partial<Parameters<typeof formatSiweMessage>[0]> = {}): string {
  return formatSiweMessage({
    domain: 'app.example.com',
    address: wallet.address,
    statement: 'Sign in to Cash Markets',
    uri: 'https://app.example.com/login',
    chainId: 8453,
    nonce: 'a1b2c3d4e5f6a7b8c9d0',
    issuedAt: new Date(now.getTime() - 60_000),
    ...overrides,
  });
}


describe('parseSiweMessage', () => {
  it('reads every field of a full message', () => {
    const text = message({
      scheme: 'https',
      expirationTime: new Date('2026-11-25T13:00:00.000Z'),
      notBefore: new Date('2026-11-25T11:00:00.000Z'),
      requestId: 'req-7',
      resources: ['ipfs://bafy', 'https://example.com/terms'],
    });
    expect(parseSiweMessage(text)).toEqual({
      scheme: 'https',
      domain: 'app.example.com',
      address: wallet.address,
      statement: 'Sign in to Cash Markets',
      uri: 'https://app.example.com/login',
      version: '1',
      chainId: 8453,
      nonce: 'a1b2c3d4e5f6a7b8c9d0',
      issuedAt: new Date(now.getTime() - 60_000),
      expirationTime: new Date('2026-11-25T13:00:00.000Z'),
      notBefore: new Date('2026-11-25T11:00:00.000Z'),
      requestId: 'req-7',
      resources: ['ipfs://bafy', 'https://example.com/terms'],
    });
  });

  it('accepts a message without a statement, in the ABNF layout and the short one some libraries write', () => {
    const abnf = message({ statement: undefined });
    expect(abnf).toContain(`${wallet.address}\n\n\nURI:`);
    expect(parseSiweMessage(abnf).statement).toBeUndefined();
    const short = abnf.replace(`${wallet.address}\n\n\nURI:`, `${wallet.address}\n\nURI:`);
    expect(parseSiweMessage(short).uri).toBe('https://app.example.com/login');
  });

  it('accepts a domain with a port and a lowercase address (normalized to EIP-55)', () => {
    const text = message({ domain: 'localhost:3000' }).replace(wallet.address, wallet.address.toLowerCase());
    expect(parseSiweMessage(text)).toMatchObject({ domain: 'localhost:3000', address: wallet.address });
  });

  it.each([
    ['a wrong header', (text: string) => text.replace('wants you to sign in', 'wants to sign in'), 'first line'],
    ['a bad address', (text: string) => text.replace(wallet.address, '0x1234'), 'second line'],
    ['a bad checksum', (text: string) => text.replace(wallet.address, wallet.address.slice(0, 2) + swapCase(wallet.address.slice(2))), 'checksum'],
    ['a missing URI', (text: string) => text.replace(/URI: .*\n/, ''), 'URI'],
    ['version 2', (text: string) => text.replace('Version: 1', 'Version: 2'), 'Version must be 1'],
    ['a non-numeric chain', (text: string) => text.replace('Chain ID: 8453', 'Chain ID: base'), 'Chain ID'],
    ['a short nonce', (text: string) => text.replace('a1b2c3d4e5f6a7b8c9d0', 'abc'), 'Nonce'],
    ['a non-RFC 3339 date', (text: string) => text.replace(/Issued At: .*/, 'Issued At: yesterday'), 'RFC 3339'],
    ['fields out of order', (text: string) => text.replace(/(Version: 1)\n(Chain ID: 8453)/, '$2\n$1'), 'Version'],
    ['trailing text', (text: string) => `${text}\nP.S. hello`, 'unexpected content'],
  ])('refuses %s', (_name, tamper, reason) => {
    expect(() => parseSiweMessage(tamper(message()))).toThrow(reason);
  });
});

function swapCase(text: string): string {
  return [...text].map((char) => (char === char.toUpperCase() ? char.toLowerCase() : char.toUpperCase())).join('');
}

describe('verifySiweSignIn', () => {
  it('accepts a message signed by its address', async () => {
    const text = message();
    const parsed = verifySiweSignIn(text, await wallet.signMessage(text), policy);
    expect(parsed).toMatchObject({ address: wallet.address, nonce: 'a1b2c3d4e5f6a7b8c9d0' });
  });

  it.each([
    ['another domain', { domain: 'evil.example.com' }, 'domain mismatch'],
    ['another chain', { chainId: 137 }, 'chain 137 is not accepted'],
    ['issued in the future', { issuedAt: new Date(now.getTime() + 5 * 60_000) }, 'Issued At is in the future'],
    ['expired', { expirationTime: new Date(now.getTime() - 1000) }, 'message expired'],
    ['not yet valid', { notBefore: new Date(now.getTime() + 5 * 60_000) }, 'not yet valid'],
  ])('refuses a message %s', async (_name, overrides, reason) => {
    const text = message(overrides);
    const signature = await wallet.signMessage(text);
    expect(() => verifySiweSignIn(text, signature, policy)).toThrow(reason);
  });

  it('tolerates a wallet clock slightly ahead', async () => {
    const text = message({ issuedAt: new Date(now.getTime() + 10_000) });
    expect(() => verifySiweSignIn(text, wallet.signMessageSync(text), policy)).not.toThrow();
  });

  it('refuses a tampered message, a foreign signer and a malformed signature', async () => {
    const text = message();
    const signature = await wallet.signMessage(text);
    const tampered = text.replace('Sign in to Cash Markets', 'Sign in to Cash Markets and send all funds');
    expect(() => verifySiweSignIn(tampered, signature, policy)).toThrow('signature does not match');
    const foreign = await Wallet.createRandom().signMessage(text);
    expect(() => verifySiweSignIn(text, foreign, policy)).toThrow('signature does not match');
    expect(() => verifySiweSignIn(text, '0x1234', policy)).toThrow('signature is malformed');
  });
});

it('refuses with SiweRejected, a SignInRejected the service answers as 401', () => {
  expect(() => parseSiweMessage('hello')).toThrow(SiweRejected);
});
