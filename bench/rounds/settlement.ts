import { SystemAccount } from '../../src/accounts/ledger.service';
import { DEFAULT_ROUND_PARAMS } from '../../src/rounds/fairness/round-params';
import { RoundSettlementService } from '../../src/rounds/round-settlement.service';
import { openLedgerHarness } from '../ledger/harness';

const POSITIONS = 10_000;
const PLAYERS = 5_000;
const STAKE = 9_900_000n; // 10 USDC minus a 1% fee
const ENTRY = 100_000_000n;
const FINAL_CLOSE = 123_456_789n;

function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/**
 * Settlement of an ENDED round with 10,000 open positions (5,000 players, half long, half short) and
 * 1,000 won side bets, through RoundSettlementService against DATABASE_URL: closing every position,
 * paying every player and moving the pot to the house in one transaction.
 */
export async function benchSettlement(runs = 3): Promise<void> {
  const harness = await openLedgerHarness();
  try {
    const ledger = harness.ledgerWith();
    const settlement = new RoundSettlementService(harness.dataSource, ledger, harness.events);
    const db = harness.dataSource;
    const times: number[] = [];
    for (let run = 0; run < runs; run += 1) {
      const players = await harness.createUsers(PLAYERS);
      // Accounts without a starting grant: settlement then measures only its own postings.
      await db.query(`INSERT INTO accounts (user_id, asset) SELECT unnest($1::uuid[]), 'USDC'`, [players]);
      const [chain] = (await db.query(
        `INSERT INTO round_seed_chains (first_seed, length, terminal_hash, rounds_used) VALUES (encode(gen_random_bytes(32), 'hex'), 1, encode(gen_random_bytes(32), 'hex'), 1) RETURNING id`,
      )) as { id: string }[];
      const [{ next }] = (await db.query(`SELECT COALESCE(max(number), 0) + 1 AS next FROM rounds`)) as { next: number }[];
      const [round] = (await db.query(
        `INSERT INTO rounds (number, chain_id, chain_index, status, params, server_seed_hash, server_seed, salt, salt_source, tick, price,
                             tick_ms, fee_bps, min_stake, max_stake, side_bet_window, side_bet_multiplier, starts_at, ended_at)
         VALUES ($1, $2, 1, 'ENDED', $4::jsonb, repeat('0', 64), repeat('1', 64), 'bench', 'server', 100, $3, 250, 100, 1, 1000000000, 40, '5', now(), now())
         RETURNING id`,
        // Real cm-v1 params: the settled round is published (mapped to its DTO), which validates them.
        [Number(next), chain.id, FINAL_CLOSE.toString(), JSON.stringify(DEFAULT_ROUND_PARAMS)],
      )) as { id: string }[];
      await db.query(
        `INSERT INTO round_positions (round_id, user_id, side, amount, fee, stake, entry_tick, entry_price)
         SELECT $1, ($2::uuid[])[1 + (n % $3::int)], CASE WHEN n % 2 = 0 THEN 'long' ELSE 'short' END, 10000000, 100000, $4, 1, $5
           FROM generate_series(0, $6::int - 1) AS n`,
        [round.id, players, PLAYERS, STAKE.toString(), ENTRY.toString(), POSITIONS],
      );
      await db.query(
        `INSERT INTO round_side_bets (round_id, user_id, amount, start_tick, end_tick, payout_multiplier, status, payout, resolved_at)
         SELECT $1, ($2::uuid[])[n], 1000000, 61, 100, '5', 'won', 5000000, now() FROM generate_series(1, 1000) AS n`,
        [round.id, players],
      );
      // The stakes the pot received (from promotions here: the players' own debits are not what is measured).
      await db.transaction((manager) =>
        ledger.transfer(manager, SystemAccount.promotions, SystemAccount.roundPot(round.id), STAKE * BigInt(POSITIONS) + 1_000_000_000n, {
          kind: 'bench.round-stakes',
          reference: `round:${round.id}`,
        }),
      );

      const started = nowMs();
      const outcome = await settlement.settle(round.id);
      times.push(nowMs() - started);
      if (outcome.result !== 'settled' || outcome.positionsClosed !== POSITIONS) throw new Error(`unexpected settlement: ${JSON.stringify(outcome)}`);
      const again = nowMs();
      const second = await settlement.settle(round.id);
      const againMs = nowMs() - again;
      if (second.result !== 'already-settled') throw new Error('a second settlement must move nothing');
      const [pot] = (await db.query(`SELECT COALESCE(sum(available), 0)::text AS balance FROM accounts WHERE system_key = $1`, [`round-pot:${round.id}`])) as { balance: string }[];
      if (pot.balance !== '0') throw new Error(`the pot must end at zero, got ${pot.balance}`);
      console.log(
        `${'settlement: 10,000 open positions, 5,000 players, 1,000 won side bets'.padEnd(58)} ${times[run].toFixed(0)} ms (run ${run + 1}; second run ${againMs.toFixed(1)} ms, pot ${pot.balance})`,
      );
    }
    const sorted = [...times].sort((a, b) => a - b);
    console.log(`${'settlement of 10,000 open positions: median'.padEnd(58)} ${sorted[Math.floor(sorted.length / 2)].toFixed(0)} ms over ${runs} runs`);
  } finally {
    await harness.close();
  }
}
