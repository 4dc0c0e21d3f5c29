import { Wallet } from 'ethers';
import { SiweMessage as SiwePackageMessage } from 'siwe';
import { formatSiweMessage, parseSiweMessage, SiweRejected, verifySiweSignIn } from './siwe-message';
import vectors from './siwe-vectors.json';

const wallet = Wallet.createRandom();
const now = new Date('2026-11-25T12:00:00.000Z');
const policy = { domain: 'app.example.com', uriOrigins: ['https://app.example.com', 'https://web.example.com'], chainIds: [1, 8453], now, clockSkewMs: 30_000 };

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

  it('accepts a message without a statement in the ABNF layout, and a domain with a port', () => {
    const abnf = message({ statement: undefined });
    expect(abnf).toContain(`${wallet.address}\n\n\nURI:`);
    expect(parseSiweMessage(abnf).statement).toBeUndefined();
    expect(parseSiweMessage(message({ domain: 'localhost:3000' })).domain).toBe('localhost:3000');
  });

  it('reads what the siwe package writes', () => {
    const text = new SiwePackageMessage({
      domain: 'app.example.com',
      address: wallet.address,
      statement: 'Sign in to Cash Markets',
      uri: 'https://app.example.com',
      version: '1',
      chainId: 8453,
      nonce: 'a1b2c3d4e5f6a7b8c9d0',
      issuedAt: now.toISOString(),
      resources: ['https://app.example.com/terms'],
    }).prepareMessage();
    expect(parseSiweMessage(text)).toMatchObject({ address: wallet.address, chainId: 8453, issuedAt: now, resources: ['https://app.example.com/terms'] });
  });

  it.each([
    ['a wrong header', (text: string) => text.replace('wants you to sign in', 'wants to sign in'), 'line 1'],
    ['a bad address', (text: string) => text.replace(wallet.address, '0x1234'), 'invalid address'],
    ['a bad checksum', (text: string) => text.replace(wallet.address, wallet.address.slice(0, 2) + swapCase(wallet.address.slice(2))), 'invalid EIP-55 address'],
    ['a lowercase (not EIP-55) address', (text: string) => text.replace(wallet.address, wallet.address.toLowerCase()), 'invalid EIP-55 address'],
    ['a missing URI', (text: string) => text.replace(/URI: .*\n/, ''), 'does not fit the layout'],
    ['an invalid URI', (text: string) => text.replace(/URI: .*/, 'URI: not a uri'), 'invalid URI'],
    ['version 2', (text: string) => text.replace('Version: 1', 'Version: 2'), 'invalid version'],
    ['a non-numeric chain', (text: string) => text.replace('Chain ID: 8453', 'Chain ID: base'), 'line 8 ("Chain ID: base")'],
    ['a short nonce', (text: string) => text.replace('a1b2c3d4e5f6a7b8c9d0', 'abc'), 'invalid nonce'],
    ['a non-RFC 3339 date', (text: string) => text.replace(/Issued At: .*/, 'Issued At: yesterday'), 'invalid issued-at date time syntax'],
    ['fields out of order', (text: string) => text.replace(/(Version: 1)\n(Chain ID: 8453)/, '$2\n$1'), 'line 7 ("Chain ID: 8453")'],
    ['two resources on one line', (text: string) => `${text}\nResources:\n- https://a.example - https://b.example`, 'line 12 ("- https://a.example - https://b.example")'],
    ['CRLF line ends', (text: string) => text.replace(/\n/g, '\r\n'), 'not CRLF'],
    ['trailing text', (text: string) => `${text}\nP.S. hello`, 'line 11 ("P.S. hello")'],
  ])('refuses %s, saying what is wrong', (_name, tamper, reason) => {
    const attempt = () => parseSiweMessage(tamper(message()));
    expect(attempt).toThrow(SiweRejected);
    expect(attempt).toThrow(reason);
    expect(attempt).not.toThrow('"success"');
  });
});

describe('the siwe project test vectors', () => {
  it.each(Object.entries(vectors.positive))('parses %s', (_name, vector) => {
    const parsed = parseSiweMessage(vector.message);
    const { chainId, issuedAt, resources, ...strings } = vector.fields as Record<string, string> & { resources?: string[] };
    expect(parsed).toMatchObject({ ...strings, chainId: Number(chainId), issuedAt: new Date(issuedAt!), resources: resources ?? [] });
    if (!('statement' in vector.fields)) expect(parsed.statement).toBeUndefined();
  });

  it.each(Object.entries(vectors.negative))('refuses %s with a readable reason', (_name, text) => {
    let failure: unknown;
    try {
      parseSiweMessage(text);
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(SiweRejected);
    expect((failure as Error).message).toMatch(/^message is not a valid EIP-4361 sign-in message: .+/);
    expect((failure as Error).message).not.toContain('"success"');
  });

  it.each([
    ['address not EIP-55', 'invalid EIP-55 address - 0xe5a12547fe4e872d192e3ececb76f2ce1aea4946'],
    ['uri is non-RFC 3986', 'invalid URI'],
    ['resources not separated by line break', 'line 15 ("- https://service.org/login - https://service.org/login/2")'],
    ['first resource is not-RFC3986', 'invalid resource URI'],
    ['second resource not-RFC 3986', 'invalid resource URI'],
  ] as const)('names the problem in %s (accepted by the hand-written parser before)', (name, reason) => {
    expect(() => parseSiweMessage(vectors.negative[name])).toThrow(reason);
  });

  it.each(Object.entries(vectors.notInvalid))('parses %s, an upstream negative that is a valid EIP-4361 message', (_name, vector) => {
    expect(parseSiweMessage(vector.message).version).toBe('1');
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
    ['for another site', { uri: 'https://evil.example' }, 'URI mismatch: the message is for "https://evil.example", this server accepts URIs on https://app.example.com, https://web.example.com'],
    ['for another port', { uri: 'https://app.example.com:8443/login' }, 'URI mismatch'],
    ['for plain http', { uri: 'http://app.example.com/login' }, 'URI mismatch'],
    ['with a non-web URI', { uri: 'ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi' }, 'URI mismatch'],
    ['another chain', { chainId: 137 }, 'chain 137 is not accepted'],
    ['issued in the future', { issuedAt: new Date(now.getTime() + 5 * 60_000) }, 'Issued At is in the future'],
    ['expired', { expirationTime: new Date(now.getTime() - 1000) }, 'message expired'],
    ['not yet valid', { notBefore: new Date(now.getTime() + 5 * 60_000) }, 'not yet valid'],
  ])('refuses a message %s', async (_name, overrides, reason) => {
    const text = message(overrides);
    const signature = await wallet.signMessage(text);
    expect(() => verifySiweSignIn(text, signature, policy)).toThrow(reason);
  });

  it('accepts a URI on any allowed origin, in any letter case', async () => {
    for (const uri of ['https://web.example.com/sign-in?next=/markets', 'https://APP.example.com']) {
      const text = message({ uri });
      expect(verifySiweSignIn(text, await wallet.signMessage(text), policy).uri).toBe(uri);
    }
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
