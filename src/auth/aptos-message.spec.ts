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
    expect(() => parseAptosFullMessage(text)).toThrow(reason);
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
    expect(() => verifyAptosSignIn(signed(`APTOS\napplication: https://evil.example.com\n${base}`), domain)).toThrow('application mismatch');
    expect(() => verifyAptosSignIn(signed(`APTOS\naddress: 0x1\n${base}`), domain)).toThrow('address line');
    const other = Account.generate();
    expect(() => verifyAptosSignIn({ ...signed(`APTOS\n${base}`), publicKey: other.publicKey.toString() }, domain)).toThrow('public key does not match');
    expect(() => verifyAptosSignIn(signed(`APTOS\n${base}`, other), domain)).toThrow('signature does not verify');
    const proof = signed(`APTOS\n${base}`);
    expect(() => verifyAptosSignIn({ ...proof, fullMessage: proof.fullMessage.replace('n1', 'n2') }, domain)).toThrow('signature does not verify');
    expect(() => verifyAptosSignIn({ ...proof, signature: '0x1234' }, domain)).toThrow('signature must be 64 bytes');
  });

  it('normalizes addresses and refuses non-hex ones', () => {
    expect(normalizeAptosAddress('0x1')).toBe(`0x${'0'.repeat(63)}1`);
    expect(() => normalizeAptosAddress('0xnothex')).toThrow('invalid Aptos address');
  });
});

it('refuses with AptosRejected, a SignInRejected the service answers as 401', () => {
  expect(() => parseAptosFullMessage('hello')).toThrow(AptosRejected);
});
