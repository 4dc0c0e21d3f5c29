import { AptosDrawnSalt, AptosSaltDraws, AptosSaltSource } from './aptos-salt-source';
import { EvmBlocks, EvmBlockSaltSource, parseBlockRef } from './evm-block-salt-source';
import { isProvablyFairSource, SaltRound, ServerSaltSource } from './salt-source';

const CREATED = new Date('2026-11-25T12:00:00.000Z');
const CREATED_S = CREATED.getTime() / 1000;

/** A chain whose head and blocks the test moves by hand. */
class FakeChain implements EvmBlocks {
  head = 100;
  down = false;
  readonly hashes = new Map<number, string>();
  readonly times = new Map<number, number>();
  readonly mined: number[] = [];

  blockNumber(): Promise<number> {
    return this.down ? Promise.reject(new Error('connect ECONNREFUSED')) : Promise.resolve(this.head);
  }

  block(n: number) {
    if (this.down) return Promise.reject(new Error('connect ECONNREFUSED'));
    if (n > this.head) return Promise.resolve(undefined);
    const hash = this.hashes.get(n) ?? `0x${n.toString(16).padStart(64, 'A')}`;
    return Promise.resolve({ number: n, hash, timestamp: this.times.get(n) ?? CREATED_S + (n - 100) * 2 });
  }

  mine(blocks: number): Promise<void> {
    this.mined.push(blocks);
    this.head += blocks;
    return Promise.resolve();
  }
}

function evmRound(saltRef: string | null): SaltRound {
  return { id: 'r1', number: 9, saltRef, createdAt: CREATED };
}

describe('server salt source', () => {
  it('is not provably fair, pins nothing and draws 32 fresh random bytes each time', async () => {
    const source = new ServerSaltSource();
    await expect(source.pin()).resolves.toBeNull();
    const [a, b] = [await source.draw(), await source.draw()];
    expect(a).toMatchObject({ kind: 'drawn', source: 'server', proof: null, salt: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(a.kind === 'drawn' && b.kind === 'drawn' && a.salt !== b.salt).toBe(true);
    expect(source.provablyFair).toBe(false);
    expect(isProvablyFairSource('server')).toBe(false);
    expect(isProvablyFairSource('evm-block')).toBe(true);
    expect(isProvablyFairSource('aptos')).toBe(true);
  });
});

describe('evm-block salt source', () => {
  const options = { chainId: 31337, blockDelay: 1, confirmations: 2, pollMs: 500 };

  it('pins a block past the head: one that does not exist yet', async () => {
    const chain = new FakeChain();
    await expect(new EvmBlockSaltSource(chain, options).pin()).resolves.toBe('101');
    await expect(new EvmBlockSaltSource(chain, { ...options, blockDelay: 5 }).pin()).resolves.toBe('105');
    expect(() => new EvmBlockSaltSource(chain, { ...options, blockDelay: 0 })).toThrow(/at least one block/);
  });

  it('waits until the pinned block has its confirmations, then takes its hash in lowercase with where to find it', async () => {
    const chain = new FakeChain();
    const source = new EvmBlockSaltSource(chain, options);
    await expect(source.draw(evmRound('101'))).resolves.toEqual({ kind: 'waiting', reason: 'block 101 with 2 confirmations (head 100)', retryInMs: 500 });
    chain.head = 102;
    await expect(source.draw(evmRound('101'))).resolves.toMatchObject({ kind: 'waiting' });
    chain.head = 103;
    const drawn = await source.draw(evmRound('101'));
    expect(drawn).toEqual({
      kind: 'drawn',
      salt: `0x${'a'.repeat(62)}65`,
      source: 'evm-block',
      proof: { kind: 'evm-block', chainId: 31337, blockNumber: 101, blockHash: `0x${'a'.repeat(62)}65`, blockTimestamp: CREATED_S + 2 },
    });
  });

  it('draws the same pinned block however often it is asked, even with the head far past it', async () => {
    const chain = new FakeChain();
    const source = new EvmBlockSaltSource(chain, options);
    chain.head = 103;
    const first = await source.draw(evmRound('101'));
    chain.head = 5000;
    await expect(source.draw(evmRound('101'))).resolves.toEqual(first);
  });

  it('answers waiting, not an error, while the node is down', async () => {
    const chain = new FakeChain();
    chain.down = true;
    await expect(new EvmBlockSaltSource(chain, options).draw(evmRound('101'))).resolves.toMatchObject({ kind: 'waiting', reason: expect.stringMatching(/ECONNREFUSED/) });
  });

  it('refuses a block mined before the round pinned it (a lagging node answered an old head), a missing block and a missing pin', async () => {
    const chain = new FakeChain();
    const source = new EvmBlockSaltSource(chain, options);
    chain.head = 200;
    chain.times.set(101, CREATED_S - 6);
    await expect(source.draw(evmRound('101'))).resolves.toMatchObject({ kind: 'unavailable', reason: expect.stringMatching(/mined before round 9 pinned it/) });
    chain.times.set(101, CREATED_S - 5);
    await expect(source.draw(evmRound('101'))).resolves.toMatchObject({ kind: 'drawn' });
    chain.block = () => Promise.resolve(undefined);
    await expect(source.draw(evmRound('101'))).resolves.toMatchObject({ kind: 'unavailable', reason: expect.stringMatching(/does not return it/) });
    await expect(source.draw(evmRound(null))).resolves.toMatchObject({ kind: 'unavailable', reason: expect.stringMatching(/no pinned salt block/) });
  });

  it('mines the blocks it waits for on a dev chain without interval mining', async () => {
    const chain = new FakeChain();
    const source = new EvmBlockSaltSource(chain, { ...options, mine: (blocks) => chain.mine(blocks) });
    await expect(source.draw(evmRound('101'))).resolves.toMatchObject({ kind: 'waiting' });
    expect(chain.mined).toEqual([3]);
    await expect(source.draw(evmRound('101'))).resolves.toMatchObject({ kind: 'drawn', proof: { blockNumber: 101 } });
  });

  it('reads block references as plain decimal block numbers only', () => {
    expect(parseBlockRef('0')).toBe(0);
    expect(parseBlockRef('18234571')).toBe(18234571);
    for (const bad of [null, '', '-1', '1.5', '0x10', '1e3', '9'.repeat(16)]) expect(parseBlockRef(bad)).toBeUndefined();
  });
});

/** The adapter's form of a drawn u256: 64 lowercase hex digits. */
const saltOf = (n: number) => (2n ** 255n + BigInt(n)).toString(16);

/** The Move module's behaviour: one draw per round id, a second aborts. */
class FakeAptosDraws implements AptosSaltDraws {
  readonly network = 'testnet';
  readonly moduleAddress = '0xc0ffee';
  readonly committed = new Map<bigint, AptosDrawnSalt>();
  submissions = 0;
  /** The next draw commits on chain but the call fails (a timeout waiting for the transaction). */
  loseNextAnswer = false;
  findFails = false;

  find(roundId: bigint): Promise<(AptosDrawnSalt) | undefined> {
    if (this.findFails) return Promise.reject(new Error('fullnode 503'));
    return Promise.resolve(this.committed.get(roundId));
  }

  draw(roundId: bigint): Promise<AptosDrawnSalt> {
    this.submissions += 1;
    if (this.committed.has(roundId)) return Promise.reject(new Error('Move abort: EALREADY_DRAWN'));
    const drawn = { roundId, salt: saltOf(this.submissions), txHash: `0x${this.submissions.toString(16).padStart(64, '0')}`, version: 1000n + BigInt(this.submissions), drawnAt: new Date(CREATED.getTime() + 3000) };
    this.committed.set(roundId, drawn);
    if (this.loseNextAnswer) {
      this.loseNextAnswer = false;
      return Promise.reject(new Error('transaction wait timed out'));
    }
    return Promise.resolve(drawn);
  }
}

describe('aptos salt source', () => {
  const round = (saltRef: string | null): SaltRound => ({ id: 'r1', number: 42, saltRef, createdAt: CREATED });

  it("pins the round's number as the draw's round id and salts with the drawn u256", async () => {
    const draws = new FakeAptosDraws();
    const source = new AptosSaltSource(draws, 2000);
    await expect(source.pin({ number: 42 })).resolves.toBe('42');
    await expect(source.draw(round('42'))).resolves.toEqual({
      kind: 'drawn',
      salt: saltOf(1),
      source: 'aptos',
      proof: {
        kind: 'aptos',
        network: 'testnet',
        moduleAddress: '0xc0ffee',
        roundId: '42',
        txHash: `0x${'0'.repeat(63)}1`,
        version: '1001',
        drawnAt: new Date(CREATED.getTime() + 3000).toISOString(),
      },
    });
    expect(source.provablyFair).toBe(true);
  });

  it('never draws twice: a start retried after a draw committed finds that draw', async () => {
    const draws = new FakeAptosDraws();
    const source = new AptosSaltSource(draws, 2000);
    draws.loseNextAnswer = true;
    await expect(source.draw(round('42'))).resolves.toEqual({ kind: 'waiting', reason: 'the Aptos draw of round id 42: transaction wait timed out', retryInMs: 2000 });
    const retried = await source.draw(round('42'));
    expect(retried).toMatchObject({ kind: 'drawn', salt: saltOf(1) });
    await expect(source.draw(round('42'))).resolves.toEqual(retried);
    expect(draws.submissions).toBe(1);
  });

  it('waits while the node fails, and refuses a draw made before the round existed or a missing pin', async () => {
    const draws = new FakeAptosDraws();
    const source = new AptosSaltSource(draws, 2000);
    draws.findFails = true;
    await expect(source.draw(round('42'))).resolves.toMatchObject({ kind: 'waiting', reason: expect.stringMatching(/fullnode 503/) });
    draws.findFails = false;
    draws.committed.set(42n, { roundId: 42n, salt: saltOf(7), txHash: '0xold', version: 5n, drawnAt: new Date(CREATED.getTime() - 60_000) });
    await expect(source.draw(round('42'))).resolves.toMatchObject({ kind: 'unavailable', reason: expect.stringMatching(/before round 42 existed/) });
    // An adapter that does not say when it drew is taken at its word.
    draws.committed.set(42n, { roundId: 42n, salt: saltOf(7), txHash: '0xold', version: 5n });
    await expect(source.draw(round('42'))).resolves.toMatchObject({ kind: 'drawn', salt: saltOf(7), proof: { version: '5' } });
    await expect(source.draw(round(null))).resolves.toMatchObject({ kind: 'unavailable' });
    expect(draws.submissions).toBe(0);
  });
});
