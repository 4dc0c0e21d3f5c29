import { Account } from '@aptos-labs/ts-sdk';
import { Wallet } from 'ethers';
import { SiweMessage } from 'siwe';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { sha256Hex } from '../src/auth/secrets';
import { SmtpSink } from './support/smtp-sink';
import { aptosProof, signInWithSiwe, siweMessageFor, siweNonce, siweProof } from './support/sign-in';
import { RunningApp, startTestApp } from './support/test-app';
import { createTestUser } from './support/users';

const ADMIN_WALLET = Wallet.createRandom();
const ADMIN_EMAIL = `boss-${Date.now()}@example.com`;

describe('sign-in (e2e)', () => {
  let running: RunningApp;
  let smtp: SmtpSink;

  beforeAll(async () => {
    smtp = await new SmtpSink().start();
    running = await startTestApp({
      AUTH_STATE_CACHE_MS: '0',
      SIWE_DOMAIN: 'app.cash-markets.test',
      SIWE_CHAIN_IDS: '8453,84532',
      SMTP_URL: smtp.url,
      ADMIN_WALLETS: `0x0000000000000000000000000000000000000001, ${ADMIN_WALLET.address.toLowerCase()}`,
      ADMIN_EMAILS: ADMIN_EMAIL.toUpperCase(),
    });
  });

  afterAll(async () => {
    await running.close();
    await smtp.stop();
  });

  const expire = (nonce: string) =>
    running.app.get(DataSource).query(`UPDATE auth_challenges SET expires_at = now() - interval '1 second' WHERE secret_hash = $1`, [sha256Hex(nonce)]);

  describe('Sign-In with Ethereum', () => {
    it('issues single-use alphanumeric nonces of at least 16 characters', async () => {
      const [first, second] = await Promise.all([siweNonce(running), siweNonce(running)]);
      expect(first).toMatch(/^[a-zA-Z0-9]{16,}$/);
      expect(first).not.toBe(second);
    });

    it('signs a wallet in, creating the user, and the access token works', async () => {
      const wallet = Wallet.createRandom();
      const session = await signInWithSiwe(running, wallet);
      expect(session).toMatchObject({ expiresIn: running.config.accessTokenTtlSeconds, refreshToken: expect.any(String) });
      expect(session.user).toMatchObject({ walletAddress: wallet.address, roles: ['user'], status: 'active', lastLoginAt: expect.any(String) });
      const me = await request(running.url).get('/api/v1/me').set(session.auth).expect(200);
      expect(me.body.id).toBe(session.user.id);

      const again = await signInWithSiwe(running, wallet);
      expect(again.user.id).toBe(session.user.id);
    });

    it('grants admin to wallets in ADMIN_WALLETS', async () => {
      const session = await signInWithSiwe(running, ADMIN_WALLET);
      expect(session.user.roles).toEqual(['user', 'admin']);
    });

    it('yields exactly one session from 20 parallel verifies of one message', async () => {
      const proof = await siweProof(running);
      const responses = await Promise.all(Array.from({ length: 20 }, () => request(running.url).post('/api/v1/auth/siwe/verify').send(proof)));
      const statuses = responses.map((response) => response.status).sort();
      expect(statuses).toEqual([200, ...Array(19).fill(401)]);
      for (const response of responses.filter((candidate) => candidate.status === 401)) expect(response.body.message).toContain('nonce already used');
      const winner = responses.find((response) => response.status === 200)!;
      const sessions = await running.app.get(DataSource).query('SELECT count(*)::int AS n FROM auth_sessions WHERE user_id = $1', [winner.body.user.id]);
      expect(sessions[0].n).toBe(1);
    });

    async function verifyRejected(body: { message: string; signature: string }, reason: string) {
      const response = await request(running.url).post('/api/v1/auth/siwe/verify').send(body).expect(401);
      expect(response.body).toMatchObject({ statusCode: 401, error: 'Unauthorized', message: expect.stringContaining(reason) });
    }

    it('refuses the wrong domain, the wrong chain and bad times, leaving the nonce usable', async () => {
      const wallet = Wallet.createRandom();
      const nonce = await siweNonce(running);
      const sign = async (overrides: Parameters<typeof siweMessageFor>[3]) => {
        const message = siweMessageFor(running, wallet, nonce, overrides);
        return { message, signature: await wallet.signMessage(message) };
      };
      await verifyRejected(await sign({ domain: 'evil.example.com' }), 'domain mismatch');
      await verifyRejected(await sign({ uri: 'https://evil.example' }), `URI mismatch: the message is for "https://evil.example", this server accepts URIs on ${new URL(running.config.publicUrl).origin}`);
      await verifyRejected(await sign({ chainId: 1 }), 'chain 1 is not accepted');
      await verifyRejected(await sign({ issuedAt: new Date(Date.now() + 3600_000) }), 'Issued At is in the future');
      await verifyRejected(await sign({ expirationTime: new Date(Date.now() - 1000) }), 'message expired');
      await verifyRejected(await sign({ notBefore: new Date(Date.now() + 3600_000) }), 'not yet valid');
      // None of these consumed the nonce: a correct message with it still signs in.
      await request(running.url).post('/api/v1/auth/siwe/verify').send(await sign({})).expect(200);
    });

    it('signs in with a message written by the siwe package, as a client library would', async () => {
      const wallet = Wallet.createRandom();
      const message = new SiweMessage({
        domain: running.config.siweDomain,
        address: wallet.address,
        statement: 'Sign in to Cash Markets',
        uri: `${running.config.publicUrl}/login`,
        version: '1',
        chainId: running.config.siweChainIds[0],
        nonce: await siweNonce(running),
        resources: ['https://app.cash-markets.test/terms'],
      }).prepareMessage();
      const response = await request(running.url).post('/api/v1/auth/siwe/verify').send({ message, signature: await wallet.signMessage(message) }).expect(200);
      expect(response.body.user.walletAddress).toBe(wallet.address);
    });

    it('takes URIs on CORS_ORIGINS besides PUBLIC_URL, and only those', async () => {
      const app = await startTestApp({ SIWE_DOMAIN: 'app.cash-markets.test', PUBLIC_URL: 'https://api.cash-markets.test', CORS_ORIGINS: 'https://app.cash-markets.test, https://beta.cash-markets.test' });
      try {
        const wallet = Wallet.createRandom();
        const attempt = async (uri: string) => {
          const message = siweMessageFor(app, wallet, await siweNonce(app), { uri });
          return request(app.url).post('/api/v1/auth/siwe/verify').send({ message, signature: await wallet.signMessage(message) });
        };
        for (const uri of ['https://api.cash-markets.test', 'https://app.cash-markets.test/sign-in', 'https://beta.cash-markets.test/?next=%2Fmarkets']) expect((await attempt(uri)).status).toBe(200);
        for (const uri of ['https://evil.example', 'http://app.cash-markets.test', 'https://app.cash-markets.test.evil.example', 'https://app.cash-markets.test:8443']) {
          const refused = await attempt(uri);
          expect(refused.status).toBe(401);
          expect(refused.body.message).toBe(
            `URI mismatch: the message is for "${uri}", this server accepts URIs on https://api.cash-markets.test, https://app.cash-markets.test, https://beta.cash-markets.test`,
          );
        }
      } finally {
        await app.close();
      }
    });

    it('refuses a reused, unknown or expired nonce', async () => {
      const proof = await siweProof(running);
      await request(running.url).post('/api/v1/auth/siwe/verify').send(proof).expect(200);
      await verifyRejected(proof, 'nonce already used');

      const wallet = Wallet.createRandom();
      const unknown = siweMessageFor(running, wallet, 'neverissued0123456789');
      await verifyRejected({ message: unknown, signature: await wallet.signMessage(unknown) }, 'unknown nonce');

      const nonce = await siweNonce(running);
      await expire(nonce);
      const stale = siweMessageFor(running, wallet, nonce);
      await verifyRejected({ message: stale, signature: await wallet.signMessage(stale) }, 'nonce expired');
    });

    it('refuses a tampered message, a signature from another key and a malformed message', async () => {
      const proof = await siweProof(running);
      await verifyRejected({ ...proof, message: proof.message.replace('Sign in to Cash Markets', 'Sign in to Cash Markets!') }, 'signature does not match');
      await verifyRejected({ ...proof, signature: await Wallet.createRandom().signMessage(proof.message) }, 'signature does not match');
      await verifyRejected({ ...proof, message: 'hello' }, 'not a valid EIP-4361');
      // What the siwe project's parser refuses, this server refuses too (src/auth/siwe-vectors.json has the full set).
      const wallet = Wallet.createRandom();
      const resign = async (message: string) => ({ message, signature: await wallet.signMessage(message) });
      const valid = siweMessageFor(running, wallet, await siweNonce(running));
      await verifyRejected(await resign(valid.replace(wallet.address, wallet.address.toLowerCase())), 'invalid EIP-55 address');
      await verifyRejected(await resign(valid.replace(/URI: .*/, 'URI: _not_a_uri_')), 'invalid URI');
      await verifyRejected(await resign(`${valid}\nResources:\n- https://a.example - https://b.example`), 'line 12');
      await verifyRejected(await resign(`${valid}\nResources:\n- _not_a_uri_`), 'invalid resource URI');
      // A lone surrogate (no wallet can sign it as UTF-8) is a parse failure, not a 500.
      await verifyRejected({ message: valid.replace('Sign in to Cash Markets', 'Sign in \ud800'), signature: (await resign(valid)).signature }, 'not a valid EIP-4361');
      await request(running.url).post('/api/v1/auth/siwe/verify').send(await resign(valid)).expect(200);
      await request(running.url).post('/api/v1/auth/siwe/verify').send({ message: proof.message }).expect(400);
    });
  });

  describe('Sign in with Aptos', () => {
    it('issues a nonce and message for an address and signs the account in', async () => {
      const account = Account.generate();
      const proof = await aptosProof(running, account);
      expect(proof.fullMessage).toContain(`message: app.cash-markets.test asks you to sign in to Cash Markets with your Aptos account ${proof.address}.`);
      const response = await request(running.url).post('/api/v1/auth/aptos/verify').send(proof).expect(200);
      expect(response.body.user).toMatchObject({ aptosAddress: account.accountAddress.toStringLong(), walletAddress: null });
      await request(running.url).get('/api/v1/me').set('Authorization', `Bearer ${response.body.accessToken}`).expect(200);
      const reuse = await request(running.url).post('/api/v1/auth/aptos/verify').send(proof).expect(401);
      expect(reuse.body.message).toContain('nonce already used');
    });

    async function aptosRejected(body: object, reason: string) {
      const response = await request(running.url).post('/api/v1/auth/aptos/verify').send(body).expect(401);
      expect(response.body.message).toContain(reason);
    }

    it('refuses a public key that does not match the address, a foreign signature and a tampered message', async () => {
      const account = Account.generate();
      const other = Account.generate();
      const proof = await aptosProof(running, account);
      await aptosRejected({ ...proof, publicKey: other.publicKey.toString() }, 'public key does not match the address');
      await aptosRejected({ ...proof, signature: other.sign(new TextEncoder().encode(proof.fullMessage)).toString() }, 'signature does not verify');
      await aptosRejected({ ...proof, fullMessage: proof.fullMessage.replace('chainId: 2', 'chainId: 1') }, 'signature does not verify');
      // Still unspent after all that.
      await request(running.url).post('/api/v1/auth/aptos/verify').send(proof).expect(200);
    });

    it('refuses another application, a nonce issued for another address and a changed message', async () => {
      const account = Account.generate();
      const resign = (fullMessage: string) => ({ ...proofBase, fullMessage, signature: account.sign(new TextEncoder().encode(fullMessage)).toString() });
      const proofBase = await aptosProof(running, account);
      await aptosRejected(resign(proofBase.fullMessage.replace('application: app.cash-markets.test', 'application: https://evil.example.com')), 'application mismatch');
      await aptosRejected(resign(proofBase.fullMessage.replace(/message: .*\n/, 'message: something else\n')), 'message differs');

      const stranger = Account.generate().accountAddress.toStringLong();
      const issuedForStranger = await request(running.url).post('/api/v1/auth/aptos/nonce').send({ address: stranger }).expect(201);
      const stolen = resign(proofBase.fullMessage.replace(/nonce: .*$/, `nonce: ${issuedForStranger.body.nonce}`));
      await aptosRejected(stolen, 'nonce was issued for another address');

      const unknown = resign(proofBase.fullMessage.replace(/nonce: .*$/, 'nonce: 0123456789abcdef0123'));
      await aptosRejected(unknown, 'unknown nonce');
      await aptosRejected({ ...proofBase, fullMessage: 'hello' }, 'must start with "APTOS');
      await request(running.url).post('/api/v1/auth/aptos/nonce').send({ address: 'not-an-address' }).expect(400);
    });
  });

  describe('email magic link', () => {
    function tokenFrom(mail: { data: string }): string {
      const match = /[?&]token=([A-Za-z0-9_-]+)/.exec(mail.data);
      if (!match) throw new Error(`no link in mail:\n${mail.data}`);
      return match[1]!;
    }

    it('answers 202, mails a one-time link that signs in and sets an HTTP-only SameSite=Lax cookie', async () => {
      const email = `Ada-${Date.now()}@Example.com`;
      const accepted = await request(running.url).post('/api/v1/auth/email').send({ email }).expect(202);
      expect(accepted.body.message).toContain('sign-in link');
      const mail = await smtp.waitFor(email);
      expect(mail.data).toContain('/api/v1/auth/email/verify?token=');
      const token = tokenFrom(mail);

      const response = await request(running.url).get('/api/v1/auth/email/verify').query({ token }).expect(200);
      expect(response.body.user).toMatchObject({ email: email.toLowerCase(), roles: ['user'] });
      const cookie = (response.headers['set-cookie'] as unknown as string[]).find((line) => line.startsWith(`${running.config.authCookieName}=`))!;
      expect(cookie).toContain('HttpOnly');
      expect(cookie).toContain('SameSite=Lax');
      expect(cookie).not.toContain('Secure');
      await request(running.url).get('/api/v1/me').set('Cookie', cookie.split(';')[0]!).expect(200);

      const reused = await request(running.url).get('/api/v1/auth/email/verify').query({ token }).expect(401);
      expect(reused.body.message).toContain('sign-in link already used');

      // Refreshing from the browser (cookie present) renews the cookie; logout clears it.
      const refreshed = await request(running.url).post('/api/v1/auth/refresh').set('Cookie', cookie.split(';')[0]!).send({ refreshToken: response.body.refreshToken }).expect(200);
      const renewed = (refreshed.headers['set-cookie'] as unknown as string[])[0]!;
      expect(renewed).toContain(`${running.config.authCookieName}=${refreshed.body.accessToken}`);
      const loggedOut = await request(running.url).post('/api/v1/auth/logout').set('Cookie', renewed.split(';')[0]!).expect(204);
      expect((loggedOut.headers['set-cookie'] as unknown as string[])[0]).toMatch(new RegExp(`^${running.config.authCookieName}=;`));
      await request(running.url).get('/api/v1/me').set('Cookie', renewed.split(';')[0]!).expect(401);
    });

    it('refuses an expired or unknown link and grants admin to ADMIN_EMAILS', async () => {
      await request(running.url).post('/api/v1/auth/email').send({ email: ADMIN_EMAIL }).expect(202);
      const token = tokenFrom(await smtp.waitFor(ADMIN_EMAIL));
      const response = await request(running.url).get('/api/v1/auth/email/verify').query({ token }).expect(200);
      expect(response.body.user.roles).toEqual(['user', 'admin']);

      const email = `late-${Date.now()}@example.com`;
      await request(running.url).post('/api/v1/auth/email').send({ email }).expect(202);
      const late = tokenFrom(await smtp.waitFor(email));
      await expire(late);
      const expired = await request(running.url).get('/api/v1/auth/email/verify').query({ token: late }).expect(401);
      expect(expired.body.message).toContain('sign-in link expired');
      const unknown = await request(running.url).get('/api/v1/auth/email/verify').query({ token: 'nope' }).expect(401);
      expect(unknown.body.message).toContain('unknown sign-in link');
      await request(running.url).post('/api/v1/auth/email').send({ email: 'not-an-email' }).expect(400);
    });

    it('answers 400 naming the field, not 500, for an email with an unpaired surrogate', async () => {
      const user = await createTestUser(running);
      for (const email of ['\ud800@example.com', 'ada@exa\udc00mple.com', 'a\ud83d@example.com']) {
        // Sent as raw JSON text: the escape must reach the server as a lone surrogate.
        const body = JSON.stringify({ email });
        for (const [path, auth] of [['/api/v1/auth/email', {}], ['/api/v1/me/link/email', user.auth]] as const) {
          const response = await request(running.url).post(path).set(auth).set('Content-Type', 'application/json').send(body).expect(400);
          expect(response.body).toMatchObject({
            statusCode: 400,
            error: 'ValidationFailed',
            message: 'email must be an email address (it contains an unpaired UTF-16 surrogate)',
            details: [{ field: 'email', messages: ['email must be an email address (it contains an unpaired UTF-16 surrogate)'] }],
            requestId: expect.any(String),
          });
        }
      }
      // A well-formed pair (an emoji) is judged as an address like any other text.
      const emoji = await request(running.url).post('/api/v1/auth/email').send({ email: '\ud83d\ude00@example.com' }).expect(400);
      expect(emoji.body.message).toBe('email must be an email address');
    });
  });

  describe('linking more sign-in methods', () => {
    it('links a wallet, an Aptos address and an email to one user', async () => {
      const first = await signInWithSiwe(running);
      const account = Account.generate();
      const linkedAptos = await request(running.url).post('/api/v1/me/link/aptos').set(first.auth).send(await aptosProof(running, account)).expect(200);
      expect(linkedAptos.body).toMatchObject({ id: first.user.id, aptosAddress: account.accountAddress.toStringLong() });

      const email = `link-${Date.now()}@example.com`;
      await request(running.url).post('/api/v1/me/link/email').set(first.auth).send({ email }).expect(202);
      const token = /[?&]token=([A-Za-z0-9_-]+)/.exec((await smtp.waitFor(email)).data)![1]!;
      // Whoever else opens the mail (a typo'd address, a lured victim) gets no session on this account.
      const anonymous = await request(running.url).get('/api/v1/auth/email/verify').query({ token }).expect(401);
      expect(anonymous.body.message).toContain('open it while signed in to that account');
      const stranger = await createTestUser(running);
      await request(running.url).get('/api/v1/auth/email/verify').query({ token }).set(stranger.auth).expect(401);
      const viaEmail = await request(running.url).get('/api/v1/auth/email/verify').query({ token }).set(first.auth).expect(200);
      expect(viaEmail.body.user).toMatchObject({ id: first.user.id, email });

      // Signing in with the Aptos account now reaches the same user.
      const viaAptos = await request(running.url).post('/api/v1/auth/aptos/verify').send(await aptosProof(running, account)).expect(200);
      expect(viaAptos.body.user.id).toBe(first.user.id);
    });

    it('refuses a wallet that belongs to someone else or a second wallet, and needs a token', async () => {
      const owner = Wallet.createRandom();
      await signInWithSiwe(running, owner);
      const user = await createTestUser(running);
      const taken = await request(running.url).post('/api/v1/me/link/siwe').set(user.auth).send(await siweProof(running, owner)).expect(409);
      expect(taken.body.message).toContain('already linked to another account');

      await request(running.url).post('/api/v1/me/link/siwe').set(user.auth).send(await siweProof(running)).expect(200);
      const second = await request(running.url).post('/api/v1/me/link/siwe').set(user.auth).send(await siweProof(running)).expect(409);
      expect(second.body.message).toContain('already has another Ethereum wallet');
      await request(running.url).post('/api/v1/me/link/siwe').send(await siweProof(running)).expect(401);
    });
  });
});
