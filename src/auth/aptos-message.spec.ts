import { Account } from '@aptos-labs/ts-sdk';
import { AptosRejected, aptosSignInMessage, normalizeAptosAddress, parseAptosFullMessage, verifyAptosSignIn } from './aptos-message';

const account = Account.generate();
const address = account.accountAddress.toStringLong();
const domain = 'app.example.com';

function signed(fullMessage: string, signer = account) {
  return {
    address,
    publicKey: account.publicKey.toString(),
    signature: signer.sign(new TextEncoder().encode(fullMessage)).toString(),
    fullMessage,
  };
}

function rejection(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(AptosRejected);
    return (error as Error).message;
  }
  throw new Error('expected a rejection');
}

describe('parseAptosFullMessage', () => {
  it('reads the optional lines, a multi-line message and the nonce', () => {
    expect(parseAptosFullMessage('APTOS\naddress: 0x1\napplication: https://app.example.com\nchainId: 1\nmessage: line one\nline two\nnonce: abc123')).toEqual({
      address: '0x1',
      application: 'https://app.example.com',
      chainId: 1,
      message: 'line one\nline two',
      nonce: 'abc123',
    });
    expect(parseAptosFullMessage('APTOS\nmessage: hello\nnonce: n1')).toEqual({ message: 'hello', nonce: 'n1' });
  });

  it.each([
    ['no APTOS prefix', 'message: hi\nnonce: 1', 'start with "APTOS'],
    ['no message line', 'APTOS\naddress: 0x1\nnonce: 1', 'message: <message>'],
    ['no nonce line', 'APTOS\nmessage: hi', 'nonce: <nonce>'],
    ['an empty nonce', 'APTOS\nmessage: hi\nnonce: ', 'last line'],
    ['a bad chainId', 'APTOS\nchainId: mainnet\nmessage: hi\nnonce: 1', 'chainId must be an integer'],
  ])('refuses %s', (_name, text, reason) => {
    expect(rejection(() => parseAptosFullMessage(text))).toContain(reason);
  });
});

describe('verifyAptosSignIn', () => {
  const message = aptosSignInMessage(domain, address);

  it('accepts a signature by the account over the full message, short or long address forms', () => {
    const full = `APTOS\naddress: ${address}\napplication: https://${domain}\nchainId: 1\nmessage: ${message}\nnonce: n0nce123`;
    expect(verifyAptosSignIn(signed(full), domain)).toMatchObject({ message, nonce: 'n0nce123', normalizedAddress: address });
    expect(verifyAptosSignIn({ ...signed(`APTOS\napplication: ${domain}\nmessage: ${message}\nnonce: n1`), address: address.toUpperCase().replace('0X', '0x') }, domain).normalizedAddress).toBe(address);
  });

  it('refuses another application, another address line, a foreign key and a foreign signature', () => {
    const base = `message: ${message}\nnonce: n1`;
    expect(rejection(() => verifyAptosSignIn(signed(`APTOS\napplication: https://evil.example.com\n${base}`), domain))).toContain('application mismatch');
    expect(rejection(() => verifyAptosSignIn(signed(`APTOS\naddress: 0x1\n${base}`), domain))).toContain('address line');
    const other = Account.generate();
    expect(rejection(() => verifyAptosSignIn({ ...signed(`APTOS\n${base}`), publicKey: other.publicKey.toString() }, domain))).toContain('public key does not match');
    expect(rejection(() => verifyAptosSignIn(signed(`APTOS\n${base}`, other), domain))).toContain('signature does not verify');
    const proof = signed(`APTOS\n${base}`);
    expect(rejection(() => verifyAptosSignIn({ ...proof, fullMessage: proof.fullMessage.replace('n1', 'n2') }, domain))).toContain('signature does not verify');
    expect(rejection(() => verifyAptosSignIn({ ...proof, signature: '0x1234' }, domain))).toContain('signature must be 64 bytes');
  });

  it('normalizes addresses and refuses non-hex ones', () => {
    expect(normalizeAptosAddress('0x1')).toBe(`0x${'0'.repeat(63)}1`);
    expect(rejection(() => normalizeAptosAddress('0xnothex'))).toContain('invalid Aptos address');
  });
});
