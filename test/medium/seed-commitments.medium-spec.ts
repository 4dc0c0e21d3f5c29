import { randomBytes, randomUUID } from 'node:crypto';
import { EvmChain } from '../../src/blockchain/evm/evm-chain.service';
import { uuidToBytes32 } from '../../src/blockchain/evm/ids';
import { OperatorTransactions } from '../../src/blockchain/evm/operator-transactions.service';
import type { EntityManager } from 'typeorm';
import type { CommittedSeedChain, RecordedRoundSeed, RevealedRoundSeed, SeedCommitmentSource } from '../../src/blockchain/seed-commitments/seed-commitment-source';
import { SeedCommitmentsRecorder } from '../../src/blockchain/seed-commitments/seed-commitments.recorder';
import { startTestChain, TestChain } from '../support/dev-chain';
import { stopMining, resumeMining, vaultActors, VaultActors } from '../support/vault';
import { MediumModule, startMediumModule } from './support/medium-module';

/** What the rounds module would tell the recorder, kept in memory so each scenario picks its chains and rounds. */
class ScriptedSource implements SeedCommitmentSource {
  chains: CommittedSeedChain[] = [];
  rounds: RevealedRoundSeed[] = [];
  /** What the recorder told the rounds: each round's revealSeeds transaction, by round id. */
  recorded = new Map<string, string[]>();

  addChain(length = 1000): CommittedSeedChain {
    const chain = { id: randomUUID(), terminalHash: randomBytes(32).toString('hex'), length };
    this.chains.push(chain);
    return chain;
  }

  reveal(chain: CommittedSeedChain, count: number): RevealedRoundSeed[] {
    const added = Array.from({ length: count }, (_, i) => ({
      roundId: randomUUID(),
      number: this.rounds.length + i + 1,
      seedChainId: chain.id,
      serverSeed: randomBytes(32).toString('hex'),
    }));
    this.rounds.push(...added);
    return added;
  }

  seedChains(): Promise<CommittedSeedChain[]> {
    return Promise.resolve(this.chains);
  }

  revealedAfter(roundNumber: number, limit: number): Promise<RevealedRoundSeed[]> {
    return Promise.resolve(this.rounds.filter((round) => round.number > roundNumber).slice(0, limit));
  }

  seedsRecorded(manager: EntityManager, recorded: RecordedRoundSeed[]): Promise<void> {
    expect(manager.queryRunner?.isTransactionActive).toBe(true);
    for (const { roundId, txHash } of recorded) this.recorded.set(roundId, [...(this.recorded.get(roundId) ?? []), txHash]);
    return Promise.resolve();
  }
}

// The chain-settlement pass against the real database and anvil: chains committed before their seeds are
// revealed, seeds in batches, read back from the contract, each once however many passes run.
describe('Seed commitments: SeedCommitmentsRecorder on anvil (medium)', () => {
  let chain: TestChain;
  let medium: MediumModule;
  let recorder: SeedCommitmentsRecorder;
  let source: ScriptedSource;
  let actors: VaultActors;

  beforeAll(async () => {
    chain = await startTestChain({ blockTime: 1 });
    medium = await startMediumModule({ providers: [EvmChain, OperatorTransactions, SeedCommitmentsRecorder] }, { ...chain.env, SEED_REVEAL_BATCH_SIZE: '4' });
    recorder = medium.get(SeedCommitmentsRecorder);
    source = new ScriptedSource();
    recorder.useSource(source);
    actors = vaultActors(chain, medium.get(EvmChain).addresses);
  }, 60_000);

  afterAll(async () => {
    await medium?.close();
    await chain?.stop();
  });

  const onChainChain = async (id: string) => {
    const [terminalHash, chainLength, committedAt] = (await actors.seedCommitments.getFunction('chains').staticCall(uuidToBytes32(id))) as [string, bigint, bigint];
    return { terminalHash, chainLength, committed: committedAt > 0n };
  };
  const onChainReveal = async (roundId: string) => {
    const [chainId, seed, revealedAt] = (await actors.seedCommitments.getFunction('reveals').staticCall(uuidToBytes32(roundId))) as [string, string, bigint];
    return { chainId, seed, revealed: revealedAt > 0n };
  };
  const transactionsOf = async () => (await medium.dataSource.query(`SELECT count(*)::int AS count FROM operator_transactions WHERE key LIKE 'seed-%'`))[0].count as number;

  it('commits a chain, then reveals its seeds in batches; a pass with nothing new sends nothing', async () => {
    const seedChain = source.addChain();
    const rounds = source.reveal(seedChain, 10);

    const pass = await recorder.record();

    expect(pass).toEqual({ chainsCommitted: 1, seedsSent: 10, pending: false });
    expect(await onChainChain(seedChain.id)).toEqual({ terminalHash: `0x${seedChain.terminalHash}`, chainLength: 1000n, committed: true });
    for (const round of rounds) expect(await onChainReveal(round.roundId)).toEqual({ chainId: uuidToBytes32(seedChain.id), seed: `0x${round.serverSeed}`, revealed: true });
    const before = await transactionsOf();
    expect(await recorder.record()).toEqual({ chainsCommitted: 0, seedsSent: 0, pending: false });
    expect(await transactionsOf()).toBe(before);

    const reference = await recorder.referenceFor(rounds[5].roundId);
    const receipt = await chain.provider.getTransactionReceipt(reference!.reveal.txHash!);
    expect(reference).toMatchObject({
      chainId: 31337,
      contract: medium.get(EvmChain).addresses.seedCommitments,
      roundId: uuidToBytes32(rounds[5].roundId),
      seedChainId: uuidToBytes32(seedChain.id),
      reveal: { blockNumber: receipt!.blockNumber, blockHash: receipt!.blockHash },
      chainCommitment: { txHash: expect.stringMatching(/^0x[0-9a-f]{64}$/), blockNumber: expect.any(Number) },
    });
    // Rounds 5..8 went in the second batch of 4, so the reference names that batch's transaction.
    expect((await recorder.referenceFor(rounds[4].roundId))!.reveal.txHash).toBe(reference!.reveal.txHash);
    expect((await recorder.referenceFor(rounds[3].roundId))!.reveal.txHash).not.toBe(reference!.reveal.txHash);
    // Each round was told its confirmed reveal transaction once, the one the reference names.
    for (const round of rounds) expect(source.recorded.get(round.roundId)).toEqual([(await recorder.referenceFor(round.roundId))!.reveal.txHash]);
    expect(await recorder.referenceFor(randomUUID())).toBeUndefined();
  });

  it('passes running at once make each batch once', async () => {
    const seedChain = source.addChain();
    const rounds = source.reveal(seedChain, 3);
    const before = await transactionsOf();

    const passes = await Promise.all([recorder.record(), recorder.record(), recorder.record()]);

    expect(passes.reduce((sum, pass) => sum + pass.chainsCommitted, 0)).toBe(1);
    expect(passes.reduce((sum, pass) => sum + pass.seedsSent, 0)).toBe(3);
    expect((await transactionsOf()) - before).toBe(2);
    for (const round of rounds) expect((await onChainReveal(round.roundId)).revealed).toBe(true);
  });

  it('a pass stopped while its batch waits for confirmations: the next pass finishes that batch instead of making another', async () => {
    const seedChain = source.addChain();
    await recorder.record();
    const rounds = source.reveal(seedChain, 2);
    await stopMining(chain);
    try {
      expect(await recorder.record(300)).toEqual({ chainsCommitted: 0, seedsSent: 2, pending: true });
      expect(await recorder.referenceFor(rounds[0].roundId)).toBeUndefined();
      const before = await transactionsOf();
      expect(await recorder.record(300)).toMatchObject({ seedsSent: 0, pending: true });
      expect(await transactionsOf()).toBe(before);
    } finally {
      await resumeMining(chain);
    }
    expect(await recorder.record()).toEqual({ chainsCommitted: 0, seedsSent: 0, pending: false });
    expect(await recorder.referenceFor(rounds[1].roundId)).toMatchObject({ reveal: { txHash: expect.any(String) } });
    expect(source.recorded.get(rounds[1].roundId)).toEqual([(await recorder.referenceFor(rounds[1].roundId))!.reveal.txHash]);
  });

  it('a chain already committed on chain (its record lost) is noted, not committed again', async () => {
    const seedChain = source.addChain(77);
    await recorder.record();
    const network = await medium.get(OperatorTransactions).network();
    await medium.dataSource.query(`DELETE FROM seed_commitments WHERE network = $1 AND subject_id = $2`, [network, seedChain.id]);
    const before = await transactionsOf();

    expect(await recorder.record()).toEqual({ chainsCommitted: 0, seedsSent: 0, pending: false });

    expect(await transactionsOf()).toBe(before);
    const [row] = (await medium.dataSource.query(`SELECT tx_hash, recorded_at FROM seed_commitments WHERE network = $1 AND subject_id = $2`, [network, seedChain.id])) as {
      tx_hash: string;
      recorded_at: Date;
    }[];
    expect(row.tx_hash).toMatch(/^0x/);
    expect(row.recorded_at).toBeInstanceOf(Date);
  });
});
