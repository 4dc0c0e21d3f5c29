import { Contract, Wallet, id, type Signer } from 'ethers';
import request from 'supertest';
import { wrapErc6492Signature } from '../src/blockchain/evm/erc6492-signature';
import { startTestChain, TestChain } from './support/dev-chain';
import { aptosProof, signInWithSiwe, siweMessageFor, siweNonce } from './support/sign-in';
import { RunningApp, startTestApp } from './support/test-app';
import { createTestUser } from './support/users';

// Smart-contract wallets sign in with SIWE on the dev chain: a deployed ERC-1271 wallet (TestSmartWallet, valid
// signatures are its owner key's) and a counterfactual one (TestSmartWalletFactory's CREATE2 address, not deployed,
// signing with an ERC-6492 wrapper). The owner signs the SIWE text with personal_sign, as a smart wallet's owner does.
describe('smart-wallet sign-in (e2e, anvil)', () => {
  let chain: TestChain;
  let running: RunningApp;
  let factory: Contract;
  const DEV_CHAIN_ID = 31337;

  beforeAll(async () => {
    chain = await startTestChain();
    running = await startTestApp({ ...chain.env, SIWE_CHAIN_IDS: `${DEV_CHAIN_ID},8453` });
    factory = (await chain.deploy('TestSmartWalletFactory')) as Contract;
  }, 60_000);

  afterAll(async () => {
    await running?.close();
    await chain?.stop();
  });

  /**
   * A deployed wallet, through the factory: its CREATE2 address follows from the (random) owner, so it is new on every
   * run, while a plain deployment's address repeats on each fresh anvil and the database keeps the users of earlier runs.
   */
  async function deployedWallet(owner: { address: string }): Promise<string> {
    const salt = id(`deployed-${owner.address}`);
    await (await (factory.connect(chain.wallet(6)) as Contract).deploy(owner.address, salt)).wait();
    return (await factory.predict(owner.address, salt)) as string;
  }

  /** A SIWE message naming `walletAddress`, signed (EIP-191) by `signer`; `wrap` turns the signature into what the wallet sends. */
  async function proofFor(walletAddress: string, signer: Signer, options: { chainId?: number; wrap?: (signature: string) => string } = {}) {
    const message = siweMessageFor(running, { address: walletAddress }, await siweNonce(running), { chainId: options.chainId ?? DEV_CHAIN_ID });
    const signature = await signer.signMessage(message);
    return { message, signature: options.wrap ? options.wrap(signature) : signature };
  }

  const verify = (proof: { message: string; signature: string }) => request(running.url).post('/api/v1/auth/siwe/verify').send(proof);

  /** The wallet's counterfactual address and the ERC-6492 wrapper that deploys it through the factory. */
  async function counterfactual(owner: { address: string }, salt: string) {
    const walletAddress = (await factory.predict(owner.address, salt)) as string;
    const factoryCalldata = factory.interface.encodeFunctionData('deploy', [owner.address, salt]);
    const wrap = (innerSignature: string) => wrapErc6492Signature({ factory: factory.target as string, factoryCalldata, innerSignature });
    return { walletAddress, wrap };
  }

  it('a deployed ERC-1271 wallet signs in with its owner key, as the wallet address, again to the same user', async () => {
    const owner = Wallet.createRandom();
    // Deployed directly (not by the factory); its address repeats on each fresh anvil, which sign-in (find or create) does not mind.
    const walletAddress = await (await chain.deploy('TestSmartWallet', owner.address)).getAddress();

    const first = await verify(await proofFor(walletAddress, owner)).expect(200);
    expect(first.body.user).toMatchObject({ walletAddress, roles: ['user'] });
    const me = await request(running.url).get('/api/v1/me').set({ Authorization: `Bearer ${first.body.accessToken}` }).expect(200);
    expect(me.body.walletAddress).toBe(walletAddress);

    const again = await verify(await proofFor(walletAddress, owner)).expect(200);
    expect(again.body.user.id).toBe(first.body.user.id);
  });

  it('refuses a key that is not the wallet owner, and leaves the nonce usable for the right one', async () => {
    const owner = Wallet.createRandom();
    const walletAddress = await deployedWallet(owner);
    const proof = await proofFor(walletAddress, Wallet.createRandom());
    const refused = await verify(proof).expect(401);
    expect(refused.body).toMatchObject({ error: 'Unauthorized', message: `the smart wallet at ${walletAddress} did not accept the signature (ERC-1271 isValidSignature)` });

    const bySameNonce = { message: proof.message, signature: await owner.signMessage(proof.message) };
    await verify(bySameNonce).expect(200);
  });

  it('a counterfactual wallet (not deployed) signs in with an ERC-6492 signature, and stays undeployed', async () => {
    const owner = Wallet.createRandom();
    const { walletAddress, wrap } = await counterfactual(owner, id('counterfactual-1'));
    expect(await chain.provider.getCode(walletAddress)).toBe('0x');

    const signedIn = await verify(await proofFor(walletAddress, owner, { wrap })).expect(200);
    expect(signedIn.body.user.walletAddress).toBe(walletAddress);
    // The universal validator deploys it only inside eth_call.
    expect(await chain.provider.getCode(walletAddress)).toBe('0x');

    const wrongOwner = await verify(await proofFor(walletAddress, Wallet.createRandom(), { wrap })).expect(401);
    expect(wrongOwner.body.message).toBe(`the smart wallet at ${walletAddress} did not accept the signature (ERC-6492: its factory call, then isValidSignature)`);

    // Once deployed for real, the same wallet signs in with a plain ERC-1271 signature (or still the wrapped one): the same user.
    await (await (factory.connect(chain.wallet(6)) as Contract).deploy(owner.address, id('counterfactual-1'))).wait();
    expect(await chain.provider.getCode(walletAddress)).not.toBe('0x');
    const deployed = await verify(await proofFor(walletAddress, owner)).expect(200);
    expect(deployed.body.user.id).toBe(signedIn.body.user.id);
    const stillWrapped = await verify(await proofFor(walletAddress, owner, { wrap })).expect(200);
    expect(stillWrapped.body.user.id).toBe(signedIn.body.user.id);
  });

  it('a smart wallet links to an existing user, who then signs in with it', async () => {
    const owner = Wallet.createRandom();
    const walletAddress = await deployedWallet(owner);
    const user = await createTestUser(running);
    const linked = await request(running.url).post('/api/v1/me/link/siwe').set(user.auth).send(await proofFor(walletAddress, owner)).expect(200);
    expect(linked.body).toMatchObject({ id: user.id, walletAddress });
    expect((await verify(await proofFor(walletAddress, owner)).expect(200)).body.user.id).toBe(user.id);

    // A counterfactual one links the same way (an Aptos user adding an Ethereum wallet that is not deployed yet).
    const aptos = await request(running.url).post('/api/v1/auth/aptos/verify').send(await aptosProof(running)).expect(200);
    const { walletAddress: future, wrap } = await counterfactual(owner, id('counterfactual-link'));
    const linkedFuture = await request(running.url)
      .post('/api/v1/me/link/siwe')
      .set({ Authorization: `Bearer ${aptos.body.accessToken}` })
      .send(await proofFor(future, owner, { wrap }))
      .expect(200);
    expect(linkedFuture.body).toMatchObject({ id: aptos.body.user.id, walletAddress: future });

    const stranger = await createTestUser(running);
    const wrongOwner = await request(running.url).post('/api/v1/me/link/siwe').set(stranger.auth).send(await proofFor(walletAddress, Wallet.createRandom())).expect(401);
    expect(wrongOwner.body.message).toContain('did not accept the signature');
  });

  it('checks smart wallets on the configured chain only: a message for another chain is refused with the reason', async () => {
    const owner = Wallet.createRandom();
    const walletAddress = await deployedWallet(owner);
    const plain = await verify(await proofFor(walletAddress, owner, { chainId: 8453 })).expect(401);
    expect(plain.body.message).toContain(`a smart wallet's signature is checked only for messages on chain ${DEV_CHAIN_ID}, this one is for chain 8453`);
    const { walletAddress: future, wrap } = await counterfactual(owner, id('other-chain'));
    const wrapped = await verify(await proofFor(future, owner, { chainId: 8453, wrap })).expect(401);
    expect(wrapped.body.message).toBe(`smart-wallet (ERC-6492) signatures are checked on chain ${DEV_CHAIN_ID} only; this message is for chain 8453`);
  });

  it('a key-pair wallet still signs in, on any allowed chain, and a key that is not the address is refused as before', async () => {
    const key = Wallet.createRandom();
    const session = await verify(await proofFor(key.address, key, { chainId: 8453 })).expect(200);
    expect(session.body.user.walletAddress).toBe(key.address);
    const foreign = await verify(await proofFor(key.address, Wallet.createRandom())).expect(401);
    expect(foreign.body.message).toBe('signature does not match the message address (signed by another key or the message was altered)');
  });

  // Last: it stops the node.
  it('with the node down, a smart wallet gets a 503 ChainUnavailable (never a 500 or a refusal) while key wallets still sign in', async () => {
    const owner = Wallet.createRandom();
    const walletAddress = await deployedWallet(owner);
    const { walletAddress: future, wrap } = await counterfactual(owner, id('node-down'));
    const deployedProof = await proofFor(walletAddress, owner);
    const counterfactualProof = await proofFor(future, owner, { wrap });
    await chain.stop();

    for (const proof of [deployedProof, counterfactualProof]) {
      const unavailable = await verify(proof).expect(503);
      expect(unavailable.body).toMatchObject({ error: 'ChainUnavailable', details: { chainId: DEV_CHAIN_ID, retryable: true } });
      expect(unavailable.body.message).toBe(`Could not check the smart-wallet signature: the RPC of chain ${DEV_CHAIN_ID} did not answer (ECONNREFUSED); retry`);
    }
    await signInWithSiwe(running, Wallet.createRandom());
  });
});
